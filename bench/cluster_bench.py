"""Greenlight on a 3-node RabbitMQ cluster with 1, 2 and 3 replicas of every worker, against the bare protocol on
the same cluster in the same run; and the fail-over time when the active replica dies.

    .venv/bin/python -m bench.cluster_bench [--releases 200] [--apps 50] [--latency 50] [--replicas 1,2,3]
                                            [--failovers 10] [--partitions 8]

Starts its own cluster (tests/cluster/bed.py: three nodes in network namespaces; root or CAP_NET_ADMIN) and
removes it at the end. No-op adapters (tests/noop): what is measured is the orchestration and the broker.

1. Baseline (bench/baseline.py) against node a: POST -> staged as a bare 3-hop aio-pika chain (quorum queues
   and a stream on all three nodes, confirms on), and `--releases` bare releases at once.
2. For each replica count R: every worker runs R processes (`python -m tests.noop.serve`, partitioned queues),
   one API; every service is given all three addresses. Latency: `--latency` sequential releases, POST ->
   awaiting_approval p50/p99. Throughput: `--releases` releases over `--apps` apps (apps in parallel, each
   app's releases one after the other, as the one-in-flight rule allows), releases/s to live.
3. Fail-over (2 replicas per worker): the replica in the middle of a build is SIGKILLed; the time until
   another replica begins that build again, p50 and max over `--failovers` kills.
Figures are printed as ratios against the baseline of the same run; the box must be quiet for them to mean
anything.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
import uuid
from pathlib import Path

import aiohttp

import bench.baseline as baseline
from bench.orchestration_bench import APPROVER, REQUESTER, WAITING, Watch, line
from services.shared.protocol import ReleaseState as S
from services.shared.settings import BusSettings
from tests.cluster.bed import ClusterBed
from tests.cluster.conftest import cluster_settings
from tests.cluster.replicas import ClusterStack, cluster_stack
from tests.harness import connect_any, observer
from tests.noop.ledger import Ledger
from tests.replicas.test_failover import mid_step, taken_over

REPO = "https://example.org/demo.git"
WORKERS = ("builder", "pusher", "deployer", "switcher")


async def post(http: aiohttp.ClientSession, api: str, app: str, commit: str) -> str:
    for _ in range(2000):  # the API's read model may still count the app's previous release in flight
        async with http.post(f"{api}/releases", json={"app": app, "repository": REPO, "commit": commit},
                             headers=REQUESTER) as response:
            body = await response.json()
            if response.status == 202:
                return str(body["id"])
            assert response.status == 409, body
        await asyncio.sleep(0.005)
    raise AssertionError(f"{app} stayed blocked")


async def approve(http: aiohttp.ClientSession, api: str, release_id: str, patience: float = 120) -> None:
    """The API's read model may lag the bench's own log reader (more so on a cluster under load): ask again."""
    deadline = time.perf_counter() + patience
    while time.perf_counter() < deadline:
        async with http.post(f"{api}/releases/{release_id}/approve", headers=APPROVER) as response:
            if response.status == 200:
                return
            body = await response.json()
            assert response.status == 409 and body.get("state") in WAITING, body
        await asyncio.sleep(0.005)
    raise AssertionError(f"{release_id} never became approvable")


async def latency(api: str, watch: Watch, n: int, tag: str) -> list[float]:
    staged = []
    async with aiohttp.ClientSession() as http:
        for i in range(n):
            started = time.perf_counter()
            release_id = await post(http, api, f"lat-{tag}-{i}", "main")
            staged.append(await asyncio.wait_for(watch.until(release_id, S.AWAITING_APPROVAL), 60) - started)
            await approve(http, api, release_id)
            await asyncio.wait_for(watch.until(release_id, S.LIVE), 60)
    return staged


async def throughput(api: str, watch: Watch, releases: int, apps: int, tag: str) -> float:
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=64)) as http:
        async def lane(app: int) -> None:
            for n in range(len(range(app, releases, apps))):
                release_id = await post(http, api, f"tp-{tag}-{app}", f"c{n}")
                await asyncio.wait_for(watch.until(release_id, S.AWAITING_APPROVAL), 300)
                await approve(http, api, release_id)
                await asyncio.wait_for(watch.until(release_id, S.LIVE), 300)

        started = time.perf_counter()
        await asyncio.gather(*(lane(app) for app in range(apps)))
        return time.perf_counter() - started


async def drop(bed: ClusterBed, bus: BusSettings) -> None:
    connection = await connect_any(bus, "glbench-cleanup")
    async with connection:
        channel = await connection.channel()
        for queue in await asyncio.to_thread(bed.queue_names, bus.queue_prefix):
            await channel.queue_delete(queue)
        await channel.exchange_delete(bus.exchange)
        await channel.exchange_delete(bus.dead_letter_exchange)


async def with_replicas(bed: ClusterBed, replicas: int, args: argparse.Namespace, base: dict[str, float]) -> None:
    bus = cluster_settings(bed, f"bench{replicas}{uuid.uuid4().hex[:4]}").model_copy(
        update={"partitions": args.partitions})
    counts = {"approval": 1, **dict.fromkeys(WORKERS, replicas)}
    try:
        with tempfile.TemporaryDirectory(prefix="glbench-cluster-") as tmp:
            fresh_database(tmp)
            async with observer(bus) as store, cluster_stack(bus, Path(tmp), counts) as stack, Watch(store) as watch:
                api = stack.apis[0]
                await latency(api, watch, 3, f"warm{replicas}")
                staged = await latency(api, watch, args.latency, f"r{replicas}")
                seconds = await throughput(api, watch, args.releases, args.apps, f"r{replicas}")
    finally:
        await drop(bed, bus)
    rate = args.releases / seconds
    p50 = statistics.median(staged)
    print(line(f"[{replicas} replica(s)] POST -> awaiting_approval", staged)
          + f" = {p50 / base['staged_p50']:.1f}x the bare 3 hops")
    print(f"[{replicas} replica(s)] throughput: {args.releases} releases over {args.apps} apps in {seconds:.1f}s = "
          f"{rate:.1f} releases/s = {rate / base['rate']:.3f}x the bare protocol")


async def failover(bed: ClusterBed, args: argparse.Namespace) -> None:
    bus = cluster_settings(bed, f"benchfo{uuid.uuid4().hex[:4]}").model_copy(
        update={"partitions": args.partitions, "delivery_limit": 50})
    counts = {"approval": 1, **dict.fromkeys(WORKERS, 2)}
    times: list[float] = []
    try:
        with tempfile.TemporaryDirectory(prefix="glbench-cluster-") as tmp:
            fresh_database(tmp)
            async with observer(bus) as store, \
                    cluster_stack(bus, Path(tmp), counts, GREENLIGHT_NOOP_DELAY_BUILD="2") as stack, \
                    Watch(store) as watch, aiohttp.ClientSession() as http:
                ledger = Ledger(str(stack.ledger_path))
                for n in range(args.failovers):
                    release_id = await post(http, stack.apis[0], f"fo-{n}", "main")
                    pid, _ = await mid_step(ledger, "build", release_id)
                    victim = stack.pids("builder")[pid]
                    killed = time.time()
                    await asyncio.to_thread(kill, stack, victim)
                    times.append(await taken_over(ledger, "build", release_id, pid) - killed)
                    stack.start(victim)
                    await stack.up(victim)
                    await asyncio.wait_for(watch.until(release_id, S.AWAITING_APPROVAL), 120)
                ledger.close()
    finally:
        await drop(bed, bus)
    print(f"[fail-over] SIGKILL of the replica building -> another replica begins that build: "
          f"n={len(times)} p50={statistics.median(times):.2f}s max={max(times):.2f}s "
          f"(check interval {bus.partition_check_interval}s)")


def fresh_database(directory: str) -> None:
    """A read model of this stack's own: one that folded another stack's log holds that log's offset, and a
    new log's events below it would never be folded. The service processes inherit the environment."""
    os.environ["GREENLIGHT_DATABASE_URL"] = f"sqlite+aiosqlite:///{directory}/greenlight.db"


def kill(stack: ClusterStack, name: str) -> None:
    stack.kill(name)


async def run(bed: ClusterBed, args: argparse.Namespace) -> None:
    baseline.URL = bed.urls[0]  # the bare protocol on the same cluster (node a; queues on all three nodes)
    staged_base = await baseline.bare_chain(args.latency, hops=3)
    finished, meter = await baseline.bare_throughput(args.releases)
    base = {"staged_p50": statistics.median(staged_base), "rate": finished / meter[2]}
    print(line("[baseline] bare aio-pika on the cluster, 3 hops (= POST -> staged)", staged_base))
    print(baseline.per_release(f"[baseline] bare protocol on the cluster, {finished} releases at once", finished,
                               meter))
    for replicas in args.replicas:
        await with_replicas(bed, replicas, args, base)
    if args.failovers:
        await failover(bed, args)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--releases", type=int, default=200)
    parser.add_argument("--apps", type=int, default=50)
    parser.add_argument("--latency", type=int, default=50, help="sequential releases for POST -> staged")
    parser.add_argument("--replicas", type=lambda v: [int(x) for x in v.split(",")], default=[1, 2, 3])
    parser.add_argument("--failovers", type=int, default=10)
    parser.add_argument("--partitions", type=int, default=8)
    args = parser.parse_args()
    bed = ClusterBed(Path(tempfile.mkdtemp(prefix="glbench-bed-")))
    started = time.perf_counter()
    try:
        bed.start()
        print(f"cluster of 3 nodes up in {time.perf_counter() - started:.0f}s: {', '.join(n.node for n in bed.nodes)}")
        asyncio.run(run(bed, args))
    finally:
        bed.destroy()


if __name__ == "__main__":
    from services.shared.logs import configure_logging
    from services.shared.settings import LogSettings

    configure_logging(LogSettings(level="WARNING", json_output=True))
    main()
