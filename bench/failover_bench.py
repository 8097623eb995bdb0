"""Fail-over of a worker whose active replica is SIGKILLed mid-step: partitioned queues (GREENLIGHT_PARTITIONS,
services/shared/claims.py) against the baseline measured in the same run, one shared queue with competing
consumers (the broker hands the killed consumer's message to the other at once, but keeps no app order).

    .venv/bin/python -m bench.failover_bench [--kills 10] [--partitions 8] [--check-interval 0.5]

Two builder replicas (no-op adapters, a 1 s build) on the broker at AMQP_URL (default: local guest); each
round publishes a `requested` event, waits until a replica is inside that build, SIGKILLs it and times until
the other replica begins the same build; the killed one is restarted before the next round. Own exchange and
queues, deleted afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
import uuid
from pathlib import Path

import aio_pika

from services.shared.bus import Bus
from services.shared.events import first_event
from services.shared.settings import BusSettings
from tests.harness import delete_queues, make_release
from tests.noop.ledger import Ledger
from tests.replicas.stack import ReplicaStack, delete_partitions

BUILD_SECONDS = 1.0


async def span(ledger: Ledger, release_id: str, *, other_than: int | None = None, open_only: bool = False,
               ) -> tuple[int, float]:
    async with asyncio.timeout(120):
        while True:
            for rid, pid, began, ended in ledger.spans("build"):
                if rid == release_id and pid != other_than and not (open_only and ended is not None):
                    return pid, began
            await asyncio.sleep(0.01)  # polling the replicas' SQLite ledger; nothing to await instead


async def failovers(partitions: int, kills: int, interval: float) -> list[float]:
    prefix = f"glbench.failover.{uuid.uuid4().hex[:8]}."
    bus = BusSettings(exchange=f"{prefix}events", dead_letter_exchange=f"{prefix}dlx",
                      dead_letter_queue=f"{prefix}dead", log_stream=f"{prefix}log", queue_prefix=prefix,
                      partitions=partitions,
                      partition_check_interval=interval, delivery_limit=kills + 5)
    tmp = Path(tempfile.mkdtemp(prefix="glbench-failover-"))
    stack = ReplicaStack(bus, tmp / "ledger.sqlite", tmp / "logs", env={
        "GREENLIGHT_PARTITIONS": str(partitions), "GREENLIGHT_PARTITION_CHECK_INTERVAL": str(interval),
        "GREENLIGHT_NOOP_DELAY_BUILD": str(BUILD_SECONDS)})
    ledger = Ledger(str(stack.ledger_path))
    publisher = Bus(bus, "glbench-failover")
    times: list[float] = []
    try:
        stack.start("builder#1")
        stack.start("builder#2")
        await stack.up()
        await publisher.connect()
        for n in range(kills):
            release = make_release(uuid.uuid4().hex, app=f"failover-{n}")
            await publisher.publish(first_event(release, actor="bench"))
            pid, _ = await span(ledger, release.id, open_only=True)
            name = stack.pids("builder")[pid]
            killed_at = time.time()
            stack.kill(name)
            _, began = await span(ledger, release.id, other_than=pid)
            times.append(began - killed_at)
            stack.start(name)
            await stack.up(name)
    finally:
        await publisher.close()
        await asyncio.to_thread(stack.stop_all)
        ledger.close()
        if partitions:
            await delete_partitions(bus)
        queues = ("builder", "pusher", "deployer", "switcher", "notifier")
        await delete_queues(bus, bus.log_stream, bus.dead_letter_queue, *(prefix + q for q in queues))
        connection = await aio_pika.connect(bus.amqp_url.get_secret_value())
        async with connection:
            channel = await connection.channel()
            for exchange in (bus.exchange, bus.dead_letter_exchange):
                await channel.exchange_delete(exchange)
    return times


def report(name: str, samples: list[float], baseline: float | None = None) -> float:
    p50 = statistics.median(samples)
    ratio = f", {p50 / baseline:.1f}x the baseline's p50" if baseline else ""
    print(f"{name}: n={len(samples)} p50={p50 * 1000:.0f} ms max={max(samples) * 1000:.0f} ms{ratio}")
    return p50


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=10)
    parser.add_argument("--partitions", type=int, default=8)
    parser.add_argument("--check-interval", type=float, default=0.5)
    args = parser.parse_args()
    baseline = report("shared queue (baseline)", await failovers(0, args.kills, args.check_interval))
    report(f"{args.partitions} partitions, check every {args.check_interval} s",
           await failovers(args.partitions, args.kills, args.check_interval), baseline)


if __name__ == "__main__":
    asyncio.run(main())
