"""200 releases over 50 apps with 2-3 replicas of every service on the 3-node cluster, while random replicas are
SIGKILLed (and restarted) and the node leading a work queue is stopped and brought back: every release ends
(live, or failed with a reason), each side effect happens once, per-app order holds, the database matches the
log. GREENLIGHT_CHAOS_RELEASES / _APPS shrink or grow the run (default 200 over 50)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import subprocess
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from services.shared.partitions import PARTITIONED, partition_names
from services.shared.protocol import WORK_QUEUES
from services.shared.protocol import ReleaseState as S
from services.shared.release import Release
from services.shared.settings import BusSettings
from services.shared.store import LoggedEvent
from tests.cluster.bed import BedError, ClusterBed, Node
from tests.cluster.checks import assert_all_ended, assert_database_matches_log, assert_per_app_order
from tests.cluster.replicas import ClusterStack, cluster_stack, service_of, ship
from tests.hardening.conftest import assert_each_effect_once
from tests.hardening.stack import Driver
from tests.harness import observer
from tests.noop.ledger import DELAY_ENV, Ledger
from tests.replicas.checks import WORKER_STEPS, overlaps

# 200 releases through SIGKILLs and a node's stop and boot: minutes even on a quiet machine.
pytestmark = pytest.mark.timeout(3600)
RELEASES = int(os.environ.get("GREENLIGHT_CHAOS_RELEASES", "200"))
APPS = int(os.environ.get("GREENLIGHT_CHAOS_APPS", "50"))
PARTITIONS = 8  # each worker queue split by app (services/shared/partitions.py), as in k8s/
REPLICAS = {"approval": 2, "builder": 3, "pusher": 2, "deployer": 2, "switcher": 2}
KILL_EVERY = max(RELEASES // 20, 1)  # ended releases between two SIGKILLs: ~20 kills in a run
STEP_DELAY = "0.2"  # seconds every no-op step takes (the effect half-way): a kill lands mid-step, often


class Chaos:
    """SIGKILLs paced by progress (one every KILL_EVERY ended releases), not by the clock, so the same share of
    the run is disturbed however loaded the machine is; and one node stopped and brought back, which the
    releasing lanes wait for between their waves, so it happens mid-run however fast the run goes."""

    def __init__(self, cluster: ClusterBed, stack: ClusterStack, bus: BusSettings) -> None:
        self.cluster, self.stack, self.bus = cluster, stack, bus
        self.kills: Counter[str] = Counter()
        self.stopped: Node | None = None
        self.down = asyncio.Event()
        self.back = asyncio.Event()
        self.node_down_s = 0.0
        self.rng = random.Random(os.environ.get("GREENLIGHT_CHAOS_SEED"))

    async def kill_replicas(self, ended_releases: AsyncIterator[LoggedEvent]) -> None:
        ended = 0
        async for _ in ended_releases:
            ended += 1
            if ended % KILL_EVERY == 0:
                replica = self.rng.choice(sorted(self.stack.processes))
                await asyncio.to_thread(self.stack.restart, replica)  # SIGKILL, then a fresh process
                self.kills[service_of(replica)] += 1

    async def stop_leader_node(self) -> None:
        """Stop the node leading a work queue chosen at random; the lanes go on against the other two."""
        # A partition of a worker's queue when they are partitioned (the queue itself is then an exchange).
        service = self.rng.choice(sorted(WORK_QUEUES))
        base = self.bus.queue_prefix + service
        partitioned = self.bus.partitions and service in PARTITIONED
        queue = self.rng.choice(partition_names(base, self.bus.partitions)) if partitioned else base
        self.stopped = await asyncio.to_thread(self.cluster.leader_of, queue)
        await asyncio.to_thread(self.stopped.stop)
        self.node_down_s = time.perf_counter()
        self.down.set()

    async def bring_back(self) -> None:
        if self.stopped is not None and not self.back.is_set():
            await asyncio.to_thread(self.stopped.start)
            self.node_down_s = time.perf_counter() - self.node_down_s
            await asyncio.to_thread(self.cluster.await_members, 3)
            self.back.set()


def replicas_report(stack: ClusterStack) -> str:
    """Each replica: running, with its last words on its partition checks (a check that never ended says where it
    waits: claims.py), or its exit code and its log's last lines (a start that failed, say)."""
    lines = []
    for name, process in sorted(stack.processes.items()):
        code = process.poll()
        lines.append(f"{name}: {'running' if code is None else f'exited {code}'}, started {stack.starts[name]} times")
        log = stack.logs / f"{name}.log"
        logged = log.read_text(errors="replace").splitlines() if log.exists() else ["(no log)"]
        shown = logged[-15:] if code is not None else [line for line in logged if "partition check" in line][-5:]
        lines.extend(f"    {line[:1200]}" for line in shown)
    return "\n".join(lines)


async def test_chaos_replicas_and_node_loss(cluster: ClusterBed, cluster_bus: BusSettings, tmp_path: Path) -> None:
    # Each SIGKILL is a failed delivery of what the replica held: the limit is raised to keep this test about
    # exclusivity and idempotency, not the give-up policy.
    bus = cluster_bus.model_copy(update={"delivery_limit": 20, "partitions": PARTITIONS})
    started = time.perf_counter()
    async with observer(bus) as store, cluster_stack(bus, tmp_path, REPLICAS, **{DELAY_ENV: STEP_DELAY}) as stack:
        ledger = Ledger(str(stack.ledger_path))
        drivers = [Driver(api, store, patience=300) for api in stack.apis]
        chaos = Chaos(cluster, stack, bus)
        releases: list[Release] = []
        waves = len(range(0, RELEASES, APPS))  # release i is app i % APPS's, in wave i // APPS
        assert waves >= 3, "a wave before the node stops, one while it is down, one after it is back"

        progressed = asyncio.Event()  # a lane finished a release

        async def lane(app: int) -> None:
            for wave in range(len(range(app, RELEASES, APPS))):
                if wave == waves // 2:
                    await chaos.down.wait()  # the second half of the run starts with a node down...
                if wave == waves // 2 + 1:
                    await chaos.back.wait()  # ...and the node is back for its last waves
                releases.append(await ship(drivers[app % len(drivers)], f"chaos-{app}", f"c{wave}-{app}"))
                progressed.set()

        async def node_cycle() -> None:
            """Once the first half has ended, stop the node; once the next wave has ended, bring it back."""
            while not chaos.back.is_set():
                await progressed.wait()
                progressed.clear()
                if len(releases) >= (waves // 2) * APPS and not chaos.down.is_set():
                    await chaos.stop_leader_node()
                if chaos.down.is_set() and len(releases) >= (waves // 2 + 1) * APPS:
                    await chaos.bring_back()

        ended = store.follow(-1, lambda e: e.state in (S.LIVE, S.FAILED, S.REJECTED))
        killing = asyncio.create_task(chaos.kill_replicas(ended))
        try:
            async with asyncio.TaskGroup() as group:  # the node cycle failing cancels the lanes, and vice versa
                for app in range(APPS):
                    group.create_task(lane(app))
                group.create_task(node_cycle())
        except BaseException:
            # What the broker held when a release stalled, before the fixtures delete the queues: one run
            # (2026-12-04) ended with a partition consumed and nothing delivered, and nothing left to tell why.
            with contextlib.suppress(BedError, subprocess.SubprocessError):
                print(await asyncio.to_thread(cluster.queue_report, bus.queue_prefix), file=sys.stderr)
            # And which replicas still ran: a run (2026-12-07) ended with no deployer consuming anything at all.
            print(replicas_report(stack), file=sys.stderr)
            raise
        finally:
            killing.cancel()
            outcome = (await asyncio.gather(killing, return_exceptions=True))[0]
            await ended.aclose()
            await chaos.bring_back()
        assert not isinstance(outcome, Exception), f"the SIGKILLs failed: {outcome!r}"

        assert len(releases) == RELEASES
        assert_all_ended(releases)
        effects = assert_each_effect_once(ledger, releases)
        assert_per_app_order(ledger, store)
        found = {step: overlaps(ledger, store, step) for step in WORKER_STEPS.values()}
        assert found == {step: [] for step in WORKER_STEPS.values()}, "one app's steps overlapped"
        await assert_database_matches_log(store)
        ledger.close()
    states = Counter(r.state.value for r in releases)
    assert sum(chaos.kills.values()) >= 10 and chaos.stopped is not None, (chaos.kills, chaos.stopped)
    print(f"\n{RELEASES} releases over {APPS} apps in {time.perf_counter() - started:.0f}s: {dict(states)}; "
          f"SIGKILLs {dict(chaos.kills)}; {chaos.stopped.node} down {chaos.node_down_s:.0f}s; "
          f"effects {dict(effects)}; failed: {[r.error for r in releases if r.state is S.FAILED][:3]}")
