"""A 3-node RabbitMQ cluster of the test's own, each node in its own network namespace.

Why namespaces: a partition must be a real one (packets stop between one node and the rest, and between it
and the clients) and healing must be a real one (the same node, the same data, the link back). Each node
gets a namespace with a veth pair to a bridge in the host's namespace, where the test and the services run,
and a private address 10.213.<net>.<i> (never another real address: the net is checked unused first). Cutting
a node's host-side veth partitions it; setting it up again heals it. Each namespace has its own loopback and
epmd, so every node listens on the usual ports (5672, 25672) without touching the machine's own broker.

The nodes run the package's own `rabbitmq-server` (the Debian wrapper on PATH switches user and drops the
environment) with their own RABBITMQ_NODENAME (long names: `gl-a@10.213.<net>.1`), base, log and config
dirs, and one HOME holding the shared `.erlang.cookie`. They start in parallel and then join the first one.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

# The package's own scripts (3.10.8 here), not the Debian wrapper on PATH, which switches user and drops the
# environment; the newest installed version if there are several.
SBIN = max(Path("/usr/lib/rabbitmq/lib").glob("rabbitmq_server-*/sbin"), default=Path(
    "/usr/lib/rabbitmq/lib/rabbitmq_server-3.10.8/sbin"), key=lambda path: [
    int(part) if part.isdigit() else 0 for part in path.parent.name.split("-")[-1].split(".")])
NAMES = ("a", "b", "c")
AMQP_PORT = 5672
NET_TICKTIME = 8  # seconds: a cut link is noticed in ~8-10 s instead of Erlang's default 60
CONFIG = """\
listeners.tcp.default = {port}
loopback_users = none
cluster_partition_handling = pause_minority
log.file.level = info
log.console = false
"""
PLUGINS = "[rabbitmq_consistent_hash_exchange].\n"
KEEP_ENV = "GREENLIGHT_CLUSTER_BED"


def _run(*args: str, env: dict[str, str] | None = None, timeout: float = 60, check: bool = True,
         ) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(args), env=env, timeout=timeout, check=check, capture_output=True, text=True)


class BedError(RuntimeError):
    """The bed could not be set up: the message says which command failed and what it printed."""


@dataclass
class Node:
    name: str  # a, b, c
    index: int
    net: int
    base: Path
    home: Path

    @property
    def namespace(self) -> str:
        return f"gl{self.net}-{self.name}"

    @property
    def address(self) -> str:
        return f"10.213.{self.net}.{self.index + 1}"

    @property
    def host_link(self) -> str:
        return f"gl{self.net}{self.name}h"  # the host-side veth end: ≤ 15 characters

    @property
    def node(self) -> str:
        return f"gl-{self.name}@{self.address}"

    @property
    def url(self) -> str:
        return f"amqp://guest:guest@{self.address}:{AMQP_PORT}/"

    @property
    def pid_file(self) -> Path:
        return self.base / "pid"

    def env(self) -> dict[str, str]:
        inherited = {k: v for k, v in os.environ.items() if not k.startswith(("RABBITMQ_", "ERL_"))}
        return {
            **inherited, "HOME": str(self.home), "RABBITMQ_NODENAME": self.node, "RABBITMQ_USE_LONGNAME": "true",
            "RABBITMQ_NODE_PORT": str(AMQP_PORT), "RABBITMQ_DIST_PORT": str(AMQP_PORT + 20000),
            "RABBITMQ_MNESIA_BASE": str(self.base / "mnesia"), "RABBITMQ_LOG_BASE": str(self.base / "log"),
            "RABBITMQ_CONFIG_FILE": str(self.base / "rabbitmq.conf"), "RABBITMQ_PID_FILE": str(self.pid_file),
            "RABBITMQ_CONF_ENV_FILE": str(self.base / "env.conf"),  # not /etc/rabbitmq's: it names the machine's
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(self.base / "enabled_plugins"),
            "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS": f"-kernel net_ticktime {NET_TICKTIME}",
        }

    def inside(self, *args: str) -> list[str]:
        return ["ip", "netns", "exec", self.namespace, *args]

    def ctl(self, *args: str, timeout: float = 90, tool: str = "rabbitmqctl") -> str:
        done = _run(*self.inside(str(SBIN / tool), "-n", self.node, "--longnames", *args), env=self.env(),
                    timeout=timeout, check=False)
        if done.returncode != 0:
            raise BedError(f"{tool} -n {self.node} {' '.join(args)}: {(done.stderr or done.stdout).strip()[-500:]}")
        return done.stdout

    def prepare(self) -> None:
        self.base.mkdir(parents=True, exist_ok=True)
        (self.base / "rabbitmq.conf").write_text(CONFIG.format(port=AMQP_PORT))
        (self.base / "enabled_plugins").write_text(PLUGINS)
        (self.base / "env.conf").write_text("")

    def start(self) -> None:
        """Boot the node (the pid file left by an earlier run is removed, or `wait` would follow it)."""
        self.pid_file.unlink(missing_ok=True)
        _run(*self.inside(str(SBIN / "rabbitmq-server"), "-detached"), env=self.env(), timeout=60)
        self.ctl("wait", str(self.pid_file), "--timeout", "90", timeout=120)

    def stop(self) -> None:
        """A clean stop of this node only: its VM exits, its clients' connections drop."""
        self.ctl("stop", str(self.pid_file), timeout=90)

    def log_tail(self, lines: int = 40) -> str:
        log = self.base / "log" / f"{self.node}.log"
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:]) if log.exists() else "(no log)"

    def kill(self) -> None:
        """SIGKILL of the node's VM: no goodbye to the cluster or the clients."""
        pid = int(self.pid_file.read_text().strip())
        os.kill(pid, signal.SIGKILL)


class ClusterBed:
    def __init__(self, base: Path, net: int | None = None) -> None:
        self.net = net if net is not None else self._free_net()
        self.base = base
        self.home = base / "home"
        self.nodes = [Node(name, i, self.net, base / name, self.home) for i, name in enumerate(NAMES)]
        self.bridge = f"glbr{self.net}"

    @staticmethod
    def _free_net() -> int:
        """A 10.213.<net>.0/24 no interface of this machine uses (another bed, or a real network)."""
        used = _run("ip", "-o", "-4", "addr", "show").stdout
        for _ in range(50):
            net = 1 + secrets.randbelow(250)
            if f"10.213.{net}." not in used and _run("ip", "link", "show", f"glbr{net}", check=False).returncode:
                return net
        raise BedError("no free 10.213.<n>.0/24 for the cluster bed")

    @property
    def urls(self) -> list[str]:
        return [node.url for node in self.nodes]

    @property
    def amqp_url(self) -> str:
        """Every node's URL, comma-separated: the AMQP_URL a clustered service is given."""
        return ",".join(self.urls)

    def node(self, name: str) -> Node:
        return next(node for node in self.nodes if node.name == name or node.node == name)

    # --- network ---------------------------------------------------------------------------------------
    def _network_up(self) -> None:
        _run("ip", "link", "add", self.bridge, "type", "bridge")
        _run("ip", "addr", "add", f"10.213.{self.net}.254/24", "dev", self.bridge)
        _run("ip", "link", "set", self.bridge, "up")
        for node in self.nodes:
            inner = f"gl{self.net}{node.name}n"
            _run("ip", "netns", "add", node.namespace)
            _run("ip", "link", "add", node.host_link, "type", "veth", "peer", "name", inner)
            _run("ip", "link", "set", inner, "netns", node.namespace)
            _run("ip", "link", "set", node.host_link, "master", self.bridge, "up")
            _run(*node.inside("ip", "link", "set", "lo", "up"))
            _run(*node.inside("ip", "addr", "add", f"{node.address}/24", "dev", inner))
            _run(*node.inside("ip", "link", "set", inner, "up"))

    def partition(self, name: str) -> None:
        """Cut the node off from the other two and from every client: its only link goes down."""
        _run("ip", "link", "set", self.node(name).host_link, "down")

    def heal(self, name: str) -> None:
        _run("ip", "link", "set", self.node(name).host_link, "up")

    def rejoin(self, name: str, timeout: float = 60) -> bool:
        """After `heal`: wait for the paused node to rejoin on its own; if it has not within `timeout`, do what
        RabbitMQ's partition guide tells an operator to do, restart it (Mnesia can stay split after a heal
        under pause_minority: rabbitmq/rabbitmq-server#17319). True if it rejoined on its own."""
        try:
            self.await_members(len(self.nodes), name, timeout)
            return True
        except BedError as exc:
            node = self.node(name)
            print(f"[bed] {exc}; restarting {node.node}. Its log ends:\n{node.log_tail()}", file=sys.stderr)
            with contextlib.suppress(BedError, subprocess.TimeoutExpired):
                node.stop()
            with contextlib.suppress(ProcessLookupError, ValueError, OSError):
                node.kill()  # a VM that would not stop
            node.start()
            self.await_members(len(self.nodes), name, 120)
            return False

    # --- life cycle ------------------------------------------------------------------------------------
    def start(self) -> None:
        self.home.mkdir(parents=True, exist_ok=True)
        cookie = self.home / ".erlang.cookie"
        cookie.write_text(secrets.token_hex(20))
        cookie.chmod(0o400)
        for node in self.nodes:
            node.prepare()
        self._network_up()
        with ThreadPoolExecutor(len(self.nodes)) as pool:  # booting is the slow part: all three at once
            list(pool.map(Node.start, self.nodes))
        seed = self.nodes[0]
        for node in self.nodes[1:]:
            node.ctl("stop_app")
            node.ctl("join_cluster", seed.node)
            node.ctl("start_app")
        self.await_members(len(self.nodes))

    def ctl(self, *args: str, via: str | None = None, tool: str = "rabbitmqctl", timeout: float = 60) -> str:
        """Ask `via`, or the first node that answers (one may be stopped or cut off)."""
        error: BedError | None = None
        for node in [self.node(via)] if via else self.nodes:
            try:
                return node.ctl(*args, tool=tool, timeout=timeout)
            except (BedError, subprocess.TimeoutExpired) as exc:
                error = BedError(str(exc))
        assert error is not None
        raise error

    def running_nodes(self, via: str | None = None) -> list[str]:
        status = json.loads(self.ctl("cluster_status", "--formatter", "json", via=via, timeout=30))
        return sorted(status.get("running_nodes", []))

    def await_members(self, count: int, via: str | None = None, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        seen: list[str] = []
        while time.monotonic() < deadline:
            with contextlib.suppress(BedError, subprocess.TimeoutExpired, json.JSONDecodeError):
                seen = self.running_nodes(via)
                if len(seen) == count:
                    return
            time.sleep(0.5)  # rabbitmqctl is a separate program: nothing to await but its next answer
        raise BedError(f"cluster did not reach {count} running nodes in {timeout}s: {seen}")

    def await_paused(self, name: str, timeout: float = 60) -> None:
        """The node stopped its broker on its own (pause_minority: it sees it is in a minority). Asked from
        inside its namespace, which a partition does not cut."""
        node = self.node(name)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                node.ctl("check_running", tool="rabbitmq-diagnostics", timeout=30)
            except BedError:
                return
            time.sleep(0.5)  # rabbitmq-diagnostics is a separate program: nothing to await but its next answer
        raise BedError(f"{node.node} still runs its broker {timeout}s after it was cut off")

    def queue_names(self, prefix: str) -> list[str]:
        rows = json.loads(self.ctl("list_queues", "name", "--formatter", "json"))
        return [row["name"] for row in rows if row["name"].startswith(prefix)]

    def members(self, prefix: str) -> dict[str, list[str]]:
        """{queue: nodes holding a replica} of every quorum queue and stream whose name starts with `prefix`."""
        rows = json.loads(self.ctl("list_queues", "name", "members", "--formatter", "json"))
        return {row["name"]: sorted(row["members"]) for row in rows if row["name"].startswith(prefix)}

    def queue_report(self, prefix: str) -> str:
        """What the broker holds for the queues named `prefix`...: ready and unacknowledged messages, consumers
        and leader of each, then each consumer; printed by a failing test before its queues are deleted."""
        queues = self.ctl("list_queues", "name", "type", "leader", "messages_ready", "messages_unacknowledged",
                          "consumers", "online", timeout=30)
        consumers = self.ctl("list_consumers", "queue_name", "channel_pid", "consumer_tag", "prefetch_count",
                             "active", "activity_status", timeout=30)
        return "\n".join(line for line in [*queues.splitlines(), "", *consumers.splitlines()]
                         if line.startswith(prefix) or not line.startswith("glcl."))

    def quorum_status(self, queue: str, via: str | None = None) -> dict[str, str]:
        """{member node: raft state} of a quorum queue (`leader`, `follower`...)."""
        rows = json.loads(self.ctl("quorum_status", queue, "--formatter", "json", via=via, tool="rabbitmq-queues"))
        return {row["Node Name"]: row["Raft State"] for row in rows}

    def leader_of(self, queue: str, via: str | None = None) -> Node:
        status = self.quorum_status(queue, via)
        leaders = [name for name, state in status.items() if state == "leader"]
        if len(leaders) != 1:
            raise BedError(f"{queue}: no single leader: {status}")
        return self.node(leaders[0])

    def destroy(self) -> None:
        """Stop our nodes (each by its own name), end what is left in our namespaces by pid, remove the
        namespaces, links and dirs. Nothing outside this bed is touched."""
        for node in self.nodes:
            with contextlib.suppress(BedError, subprocess.SubprocessError, OSError):
                self.heal(node.name)
                node.ctl("stop", str(node.pid_file), timeout=30)
        for node in self.nodes:
            pids = _run("ip", "netns", "pids", node.namespace, check=False).stdout.split()
            for pid in pids:  # the node's epmd, or a VM that did not stop: processes this bed started
                with contextlib.suppress(ProcessLookupError, ValueError):
                    os.kill(int(pid), signal.SIGKILL)
            _run("ip", "link", "del", node.host_link, check=False)
            _run("ip", "netns", "del", node.namespace, check=False)
        _run("ip", "link", "del", self.bridge, check=False)
        shutil.rmtree(self.base, ignore_errors=True)


@contextlib.contextmanager
def cluster_bed(base: Path) -> Iterator[ClusterBed]:
    """A bed for the session; GREENLIGHT_CLUSTER_BED=<dir> uses one kept up by `python -m tests.cluster.bed up
    <dir>` instead (developing: the bed takes most of a minute to start), and leaves it running."""
    if kept := os.environ.get(KEEP_ENV):
        yield ClusterBed(Path(kept), net=json.loads((Path(kept) / "bed.json").read_text())["net"])
        return
    bed = ClusterBed(base)
    try:
        bed.start()
        yield bed
    finally:
        bed.destroy()


def main(argv: list[str]) -> int:
    """`up <dir>`: start a bed and keep it (prints the variable to export); `down <dir>`: remove it."""
    if len(argv) != 2 or argv[0] not in ("up", "down"):
        print("usage: python -m tests.cluster.bed {up|down} <dir>", file=sys.stderr)
        return 2
    base = Path(argv[1]).resolve()
    if argv[0] == "up":
        bed = ClusterBed(base)
        try:
            bed.start()
        except BaseException:
            bed.destroy()
            raise
        (base / "bed.json").write_text(json.dumps({"net": bed.net}))
        print(f"export {KEEP_ENV}={base}")
    else:
        ClusterBed(base, net=json.loads((base / "bed.json").read_text())["net"]).destroy()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
