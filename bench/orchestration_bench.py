"""Greenlight's orchestration overhead with no-op adapters (engine, registry, cluster instant).

    .venv/bin/python -m bench.orchestration_bench [--releases 500] [--throughput 500] [--rounds 3]
        [--mode inproc|procs|both] [--database URL]

1. Latency, one release at a time: POST /releases -> awaiting_approval (4 hops: approval, builder,
   pusher, deployer, 7 confirmed publishes) and POST approve -> live (switcher: 3 publishes), as seen
   in the approval service's own release log. p50/p99 over N releases.
2. Baseline: a bare aio-pika chain of the same shape (quorum queues, a stream bound as the log,
   confirms on, each hop publishing two messages) with no validation and no services, its
   messages back to back in this process.
3. Throughput: N apps released at once (POST all, approve each as it is staged); releases/s to live,
   with the CPU the broker, the Python processes and the database's threads spent per release;
   baseline: the same number of bare releases (bench/baseline.py: the protocol's messages with no
   Greenlight code), all at once, and again started at Greenlight's pace and, in `procs`, with its
   consumers as processes (a release spread out costs the broker and the clients more than one in a
   burst, and so do more connections in more processes: that part of the gap is not Greenlight's code).
The baseline and Greenlight take turns, `--rounds` times: each round's ratios compare figures taken
seconds apart (this machine's speed drifts by up to 2x between runs), and the median of the rounds'
ratios is the result. Services run in this process (`inproc`) or as
`python -m tests.noop.serve` subprocesses (`procs`).
Needs the broker at AMQP_URL (default: local guest); its exchange, log and queues are deleted after.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import aio_pika
import aiohttp

from bench.baseline import CpuMeter, bare_chain, bare_throughput, per_release, process_cpu_seconds
from bench.database_cpu import DatabaseCpu
from services.shared.db.projector import Projector
from services.shared.db.runtime import READ_MODEL
from services.shared.db.threadcpu import DB_THREAD_PREFIX
from services.shared.protocol import ReleaseState as S
from services.shared.settings import BusSettings
from services.shared.store import ReleaseStore
from tests.cleanup import drop_topology as drop_everything
from tests.hardening.stack import process_stack, timer_queue
from tests.harness import observer, serving
from tests.noop.apps import WORKERS, noop_app, settings_for
from tests.noop.ledger import Ledger

URL = os.environ.get("AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")
REPO = "https://example.org/demo.git"
SHA = "a" * 40
REQUESTER = {"Authorization": "Bearer requester-token"}
APPROVER = {"Authorization": "Bearer approver-token"}
WAITING = ("requested", "building", "built", "pushing", "pushed", "deploying", "awaiting_approval")
# Where a release's time goes: the gap between consecutive events of the latency phase, as the log saw them.
HOPS = (S.REQUESTED, S.BUILDING, S.BUILT, S.PUSHING, S.PUSHED, S.DEPLOYING, S.AWAITING_APPROVAL,
        S.APPROVED, S.SWITCHING, S.LIVE)


def pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))] * 1000


def line(name: str, samples: list[float]) -> str:
    return (f"{name}: n={len(samples)} p50={statistics.median(samples) * 1000:.1f} ms "
            f"p99={pct(samples, 99):.1f} ms max={max(samples) * 1000:.1f} ms")


class Watch:
    """One follower of the release log that wakes whoever waits for (release, state): no per-wait scans."""

    def __init__(self, store: ReleaseStore) -> None:
        self.store = store
        self.waiters: dict[tuple[str, S], asyncio.Future[float]] = {}
        self.task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        async for logged in self.store.follow(self.store.last_offset, lambda e: True):
            key = (logged.event.release_id, logged.event.state)
            waiter = self.waiters.setdefault(key, asyncio.get_running_loop().create_future())
            if not waiter.done():
                waiter.set_result(time.perf_counter())

    def hops(self, release_ids: list[str]) -> str:
        """Median gap before each state (as this reader saw the log), over the given releases."""
        parts = []
        for before, state in itertools.pairwise(HOPS):
            gaps = [self.waiters[(r, state)].result() - self.waiters[(r, before)].result() for r in release_ids
                    if all((r, s) in self.waiters and self.waiters[(r, s)].done() for s in (before, state))]
            if gaps:
                parts.append(f"{state.value} +{statistics.median(gaps) * 1000:.1f}")
        return "median gap before each event (ms): " + ", ".join(parts)

    def until(self, release_id: str, state: S) -> asyncio.Future[float]:
        return self.waiters.setdefault((release_id, state), asyncio.get_running_loop().create_future())

    async def __aenter__(self) -> Watch:
        self.task = asyncio.create_task(self._run())
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self.task is not None
        self.task.cancel()
        await asyncio.gather(self.task, return_exceptions=True)


async def post_release(http: aiohttp.ClientSession, api: str, app: str) -> str:
    async with http.post(f"{api}/releases", json={"app": app, "repository": REPO, "commit": SHA},
                         headers=REQUESTER) as response:
        body = await response.json()
        assert response.status == 202, body
        return str(body["id"])


PROJECTORS: list[Projector] = []  # in `inproc` mode, the API's (it leads the read model)
DATABASE_CPU = DatabaseCpu()  # the read model's transactions, wherever the mode runs them
DATABASED = ("approval", "switcher")  # the services that keep a read model (service_app's `database`)
SERVICE_PIDS: dict[str, int] = {}  # in `procs` mode: where each service's CPU goes
EARLY: list[int] = []  # per approval: the 409s it met before the API's read model had awaiting_approval


async def approve(http: aiohttp.ClientSession, api: str, release_id: str) -> None:
    # The API knows a release awaits approval once its read model has it, a moment after the bench's own log reader
    # saw it: retry on 409, backing off (2 ms doubling to 20 ms) so the bench does not load the API it measures.
    pause = 0.002
    for early in range(500):
        async with http.post(f"{api}/releases/{release_id}/approve", headers=APPROVER) as response:
            if response.status == 200:
                EARLY.append(early)
                return
            body = await response.json()
            # In `procs` mode the bench's own log reader may see awaiting_approval before the API's does.
            assert response.status == 409 and body.get("state") in WAITING, body
        await asyncio.sleep(pause)
        pause = min(pause * 2, 0.02)
    raise AssertionError(f"{release_id} never became approvable")


async def latency(api: str, watch: Watch, n: int, tag: str) -> tuple[list[float], list[float]]:
    staged, live, released, answered = [], [], [], []
    async with aiohttp.ClientSession() as http:
        for i in range(n):
            started = time.perf_counter()
            release_id = await post_release(http, api, f"lat-{tag}-{i}")
            answered.append(time.perf_counter() - started)
            released.append(release_id)
            try:
                staged.append(await asyncio.wait_for(watch.until(release_id, S.AWAITING_APPROVAL), 30) - started)
            except TimeoutError:
                seen = [e.event.state.value for e in watch.store.history.get(release_id, [])]
                raise AssertionError(f"release {i} ({release_id}) stuck after {seen}") from None
            started = time.perf_counter()
            await approve(http, api, release_id)
            live.append(await asyncio.wait_for(watch.until(release_id, S.LIVE), 30) - started)
    early = EARLY[-n:]
    print(f"[{tag}] POST answered p50 {statistics.median(answered) * 1000:.1f} ms; approvals that met a 409 first: "
          f"{sum(1 for e in early if e)}/{len(early)}; {watch.hops(released)}")
    return staged, live


async def throughput(api: str, watch: Watch, n: int, tag: str) -> tuple[float, int]:
    connector = aiohttp.TCPConnector(limit=64)
    async with aiohttp.ClientSession(connector=connector) as http:
        async def one(i: int) -> bool:
            release_id = await post_release(http, api, f"tp-{tag}-{i}")
            await asyncio.wait_for(watch.until(release_id, S.AWAITING_APPROVAL), 300)
            await approve(http, api, release_id)
            await asyncio.wait_for(watch.until(release_id, S.LIVE), 300)
            return True

        started = time.perf_counter()
        done = await asyncio.gather(*(one(i) for i in range(n)))
        return time.perf_counter() - started, sum(done)


def bus_settings(tag: str) -> BusSettings:
    prefix = f"glbench.{tag}.{uuid.uuid4().hex[:6]}."
    return BusSettings(amqp_url=URL, exchange=f"{prefix}events",  # type: ignore[arg-type]
                       dead_letter_exchange=f"{prefix}dlx", dead_letter_queue=f"{prefix}dead",
                       log_stream=f"{prefix}log", queue_prefix=prefix)


async def drop_topology(bus: BusSettings) -> None:
    await drop_everything(bus, timer_queue(bus))


@contextlib.asynccontextmanager
async def inproc_stack(bus: BusSettings) -> AsyncIterator[tuple[str, ReleaseStore]]:
    ledger = Ledger()  # in memory: one process
    try:
        async with contextlib.AsyncExitStack() as stack:
            # The API first: its read model takes the projector's lease (it is preferred: lease.py), and the
            # switcher's stands by, with no hand-over during the first releases.
            approval = noop_app("approval", ledger, settings_for("approval", bus, dev_tokens=True))
            api = await stack.enter_async_context(serving(approval, 0))
            PROJECTORS.append(approval[READ_MODEL].projector)
            DATABASE_CPU.metrics_urls = []  # this process's own counter
            SERVICE_PIDS.clear()
            for service in WORKERS:
                await stack.enter_async_context(serving(noop_app(service, ledger, settings_for(service, bus))))
            yield api, await stack.enter_async_context(observer(bus))
    finally:
        await drop_topology(bus)


async def consumers_ready(bus: BusSettings) -> None:
    """Until every worker consumes: an event published before its queue exists reaches only the log."""
    connection = await aio_pika.connect(URL)
    async with connection:
        for service in WORKERS:
            for _ in range(600):
                channel = await connection.channel()
                try:
                    queue = await channel.declare_queue(bus.queue_prefix + service, passive=True)
                    if queue.declaration_result.consumer_count:
                        break
                except aio_pika.exceptions.ChannelClosed:
                    pass
                finally:
                    if not channel.is_closed:
                        await channel.close()
                await asyncio.sleep(0.05)


@contextlib.asynccontextmanager
async def procs_stack(bus: BusSettings) -> AsyncIterator[tuple[str, ReleaseStore]]:
    # GLBENCH_KEEP=<dir> keeps the services' logs and ledger there for a look afterwards.
    keep = os.environ.get("GLBENCH_KEEP")
    with contextlib.nullcontext(keep) if keep else tempfile.TemporaryDirectory(prefix="glbench-") as tmp:
        try:
            async with observer(bus) as store, process_stack(bus, Path(tmp)) as stack:
                async with aiohttp.ClientSession() as http:  # until the API answers
                    for _ in range(300):
                        with contextlib.suppress(aiohttp.ClientError):
                            async with http.get(f"{stack.api}/readyz") as response:
                                if response.status == 200:
                                    break
                        await asyncio.sleep(0.05)
                await consumers_ready(bus)
                DATABASE_CPU.metrics_urls = [f"http://127.0.0.1:{stack.ports[s]}/metrics" for s in DATABASED]
                SERVICE_PIDS.update({service: process.pid for service, process in stack.processes.items()})
                yield stack.api, store
        finally:
            await drop_topology(bus)


@dataclass
class Round:
    """One round: the bare chain, then Greenlight, seconds apart, so their ratio is this moment's."""

    staged: list[float]
    live: list[float]
    releases_per_s: float
    staged_base: list[float]
    live_base: list[float]
    base_per_s: float

    def ratios(self) -> tuple[float, float, float]:
        return (statistics.median(self.staged) / statistics.median(self.staged_base),
                statistics.median(self.live) / statistics.median(self.live_base),
                self.releases_per_s / self.base_per_s)


def ratio_line(name: str, rounds: list[Round]) -> str:
    columns = list(zip(*(r.ratios() for r in rounds), strict=True))
    parts = [f"{label} {statistics.median(c):.2f}x ({min(c):.2f}-{max(c):.2f})"
             for label, c in zip(("POST -> awaiting_approval", "approve -> live", "throughput"), columns,
                                 strict=True)]
    return f"{name} ratio to the bare chain, median of {len(rounds)} rounds (range): " + ", ".join(parts)


def projector_folds(mode: str) -> list[tuple[int, int]]:
    """The API's projector's (transactions, events) so far; none in `procs` mode (another process's)."""
    return [(p.batches, p.folded.new + p.folded.duplicates) for p in PROJECTORS[-1:] if mode == "inproc"]


def print_folds(label: str, before: list[tuple[int, int]], releases: int) -> None:
    for (batches, seen), projector in zip(before, PROJECTORS[-1:], strict=False):
        folds, events = projector.batches - batches, projector.folded.new + projector.folded.duplicates - seen
        print(f"{label}, the projector: {folds / max(releases, 1):.1f} transactions a release, "
              f"{events / max(folds, 1):.1f} events each")


def database_line(label: str, before: tuple[float, int], after: tuple[float, int], python: float,
                  releases: int) -> str:
    if "postgresql" in os.environ.get("GREENLIGHT_DATABASE_URL", ""):
        return f"{label}, the database's transactions: not counted on PostgreSQL (its server's CPU is)"
    seconds, count = after[0] - before[0], after[1] - before[1]
    return (f"{label}, the database's transactions: {seconds / releases * 1000:.1f} ms of CPU a release "
            f"({seconds / python:.0%} of the python CPU), {count / releases:.1f} a release, "
            f"{seconds / max(count, 1) * 1000:.2f} ms each")


def services_cpu() -> dict[str, float]:
    return {service: process_cpu_seconds(pid) for service, pid in SERVICE_PIDS.items()}


def by_service(label: str, before: dict[str, float], releases: int) -> None:
    """In `procs` mode, which service's process spent the Python CPU (the one holding the projector's lease folds)."""
    if before:
        spent = sorted(((after - before[s], s) for s, after in services_cpu().items()), reverse=True)
        print(f"{label}, CPU per release by service: " + ", ".join(
            f"{service} {seconds / releases * 1000:.1f} ms" for seconds, service in spent))


async def one_round(mode: str, api: str, watch: Watch, n: int, tp: int, number: int) -> Round:
    # The bare chain as the goal measured it: its messages back to back, then Greenlight's releases.
    staged_base, live_base = await bare_chain(n, hops=3), await bare_chain(n, hops=1)
    finished, bare_meter = await bare_throughput(tp)
    base_per_s = finished / bare_meter[2]
    folds, spent, services = projector_folds(mode), await DATABASE_CPU.read(), services_cpu()
    meter = CpuMeter(threads=DB_THREAD_PREFIX)
    meter.start()
    staged, live = await latency(api, watch, n, f"{mode}-{number}")
    broker, python, _ = meter.stop()
    by_service(f"[{mode} round {number}] one release at a time", services, n)
    print_folds(f"[{mode} round {number}] one release at a time", folds, n)
    print(database_line(f"[{mode} round {number}] one release at a time", spent, await DATABASE_CPU.read(),
                        python, n))
    # One release at a time, what each costs: steadier from run to run than the latencies (sessions compare it).
    print(f"[{mode} round {number}] one release at a time, CPU per release: broker {broker / n * 1000:.1f} ms, "
          f"python {python / n * 1000:.1f} ms, of it the database's threads {meter.named / n * 1000:.1f} ms "
          f"(SQLite's small transactions run on the event loop: not in that figure)")
    folds, spent, services = projector_folds(mode), await DATABASE_CPU.read(), services_cpu()
    meter = CpuMeter(threads=DB_THREAD_PREFIX)
    meter.start()
    seconds, done = await throughput(api, watch, tp, f"{mode}-{number}")
    reading = meter.stop()
    by_service(f"[{mode} round {number}] {tp} at once", services, done)
    print_folds(f"[{mode} round {number}] {tp} at once", folds, done)
    print(database_line(f"[{mode} round {number}] {tp} at once", spent, await DATABASE_CPU.read(), reading[1], done))
    early = EARLY[-tp:]
    print(f"[{mode} round {number}] throughput: {done}/{tp} releases live in {seconds:.2f}s = "
          f"{done / seconds:.0f} releases/s; approvals that met a 409 first: {sum(1 for e in early if e)}/{len(early)} "
          f"({sum(early)} 409s)")
    print(per_release(f"[{mode} round {number}] bare", finished, bare_meter))
    database = (f"the database's threads {meter.named / done * 1000:.1f} ms (its large batches; small transactions "
                "run on the event loop)" if "postgresql" not in os.environ.get("GREENLIGHT_DATABASE_URL", "") else
                "the database's threads 0 ms (none: PostgreSQL's driver works on the event loop)")
    print(per_release(f"[{mode} round {number}] Greenlight", done, reading) + f"; of the python CPU, {database}; "
          f"PostgreSQL's server {meter.postgres / done * 1000:.1f} ms")
    # The bare chain again at Greenlight's pace, in Greenlight's shape (its consumers as processes in `procs`): how
    # much of the gap in CPU a release is the pace and the topology, not Greenlight's code.
    paced, paced_meter = await bare_throughput(tp, rate=done / seconds, processes=mode == "procs")
    shape = " as processes" if mode == "procs" else ""
    print(per_release(f"[{mode} round {number}] bare{shape} at Greenlight's pace", paced, paced_meter))
    result = Round(staged, live, done / seconds, staged_base, live_base, base_per_s)
    print(f"[{mode} round {number}] p50 POST -> awaiting_approval {statistics.median(staged) * 1000:.1f} ms "
          f"(bare {statistics.median(staged_base) * 1000:.1f}), approve -> live {statistics.median(live) * 1000:.1f} "
          f"ms (bare {statistics.median(live_base) * 1000:.1f}), {done / seconds:.0f} releases/s (bare "
          f"{base_per_s:.0f}): " + " / ".join(f"{r:.2f}x" for r in result.ratios()))
    return result


async def run_mode(mode: str, n: int, tp: int, rounds: int) -> None:
    bus = bus_settings(mode)
    opener = inproc_stack if mode == "inproc" else procs_stack
    async with opener(bus) as (api, store), Watch(store) as watch:
        await latency(api, watch, 5, f"{mode}-warm")
        done = [await one_round(mode, api, watch, max(1, n // rounds), tp, i + 1) for i in range(rounds)]
        for name, field in (("[baseline] bare aio-pika, 3 hops (= POST -> staged)", "staged_base"),
                            ("[baseline] bare aio-pika, 1 hop (= approve -> live)", "live_base"),
                            (f"[{mode}] POST -> awaiting_approval", "staged"), (f"[{mode}] approve -> live", "live")):
            print(line(name + ", all rounds", [s for r in done for s in getattr(r, field)]))
        print(ratio_line(f"[{mode}]", done))


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--releases", type=int, default=500, help="sequential releases for latency, all rounds")
    parser.add_argument("--throughput", type=int, default=500, help="apps released at once, each round")
    parser.add_argument("--rounds", type=int, default=3, help=(
        "bare chain and Greenlight measured alternately this many times: this machine's speed drifts between "
        "minutes, so each ratio is taken within one round and the median of the rounds is reported"))
    parser.add_argument("--mode", choices=("inproc", "procs", "both"), default="both")
    parser.add_argument("--database", default=None, help=(
        "GREENLIGHT_DATABASE_URL of the API and switcher; default a fresh SQLite file in a temp dir"))
    args = parser.parse_args()
    modes = ("inproc", "procs") if args.mode == "both" else (args.mode,)
    if args.database and len(modes) > 1:
        # Each mode logs to a stream of its own, and one database holds one stream's offsets: the second mode's
        # events would collide with the first's (events_by_offset) and never be folded.
        parser.error("--database needs one --mode (each mode needs a database of its own)")
    scratch = tempfile.mkdtemp(prefix="glbench-db-")
    for mode in modes:
        # The services read it from the environment (the subprocesses inherit it), never the demo's database.
        os.environ["GREENLIGHT_DATABASE_URL"] = args.database or f"sqlite+aiosqlite:///{scratch}/{mode}.db"
        print(f"read model: {os.environ['GREENLIGHT_DATABASE_URL'].split('@')[-1]}")
        await run_mode(mode, args.releases, args.throughput, args.rounds)


if __name__ == "__main__":
    import structlog

    from services.shared.logs import configure_logging
    from services.shared.settings import LogSettings

    configure_logging(LogSettings(level="WARNING", json_output=True))
    structlog.get_logger().debug("bench")
    asyncio.run(main())
