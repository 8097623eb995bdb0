"""Greenlight's messaging layer against bare aio-pika, through the real broker with confirms.

1. Hop latency: publish `requested` -> a handler consumes it and publishes `building` -> observed.
   p50/p99 over N sequential events (default 5,000).
2. Throughput: 500 releases driven through a chain of four no-op handlers
   (requested -> building -> built -> pushing -> pushed); events/s end to end.
The baseline is the same topology (quorum queues, a stream bound as the log) with bare aio-pika calls
(confirms on, no validation),
measured in the same run, so the ratio is Greenlight's own overhead.
Run: .venv/bin/python bench/broker_bench.py [--hops 5000] [--releases 500]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable

import aio_pika
from aiohttp import web

from services.shared.bus import Bus
from services.shared.consumer import Subscription
from services.shared.events import ReleaseEvent, first_event
from services.shared.protocol import ReleaseState as S
from services.shared.release import Release
from services.shared.runtime import add_subscriptions, service_app
from services.shared.settings import BusSettings

URL = "amqp://guest:guest@127.0.0.1:5672/"
CHAIN = [S.REQUESTED, S.BUILDING, S.BUILT, S.PUSHING, S.PUSHED]


def release(n: int) -> Release:
    return Release(id=f"b{n}", app=f"app{n % 50}", repository="https://example.org/x.git",
                   commit="a" * 40, requested_by="bench")


def pct(samples: list[float], q: float) -> float:
    return statistics.quantiles(samples, n=100, method="inclusive")[int(q) - 1] * 1000


async def observer(settings: BusSettings, key: str) -> tuple[aio_pika.abc.AbstractConnection, asyncio.Queue[str]]:
    connection = await aio_pika.connect(URL, client_properties={"connection_name": "bench-observer"})
    channel = await connection.channel()
    await channel.set_qos(prefetch_count=1000)
    exchange = await channel.declare_exchange(settings.exchange, aio_pika.ExchangeType.TOPIC, durable=True)
    queue = await channel.declare_queue(exclusive=True)
    await queue.bind(exchange, key)
    seen: asyncio.Queue[str] = asyncio.Queue()

    async def on(message: aio_pika.abc.AbstractIncomingMessage) -> None:
        seen.put_nowait(message.message_id or "")
        await message.ack()

    await queue.consume(on)
    return connection, seen


# ---- Greenlight -----------------------------------------------------------------------------------
async def greenlight_services(settings: BusSettings) -> list[web.AppRunner]:
    runners = []
    for step, (source, target) in enumerate(itertools.pairwise(CHAIN)):
        async def handle(event: ReleaseEvent, bus: Bus, target: S = target) -> None:
            await bus.publish(event.next(target, actor="bench"))

        app = service_app(f"bench{step}", settings)
        add_subscriptions(app, lambda app, s=source, h=handle, n=step: [Subscription(f"bench{n}", [s], h)])
        runner = web.AppRunner(app)
        await runner.setup()
        runners.append(runner)
    return runners


async def run_greenlight(settings: BusSettings, hops: int, releases: int) -> tuple[list[float], float]:
    runners = await greenlight_services(settings)
    bus = Bus(settings, "bench-driver")
    await bus.connect()
    conn, building = await observer(settings, "release.*.building")
    conn2, pushed = await observer(settings, "release.*.pushed")
    latencies = []
    for n in range(hops):
        start = time.perf_counter()
        await bus.publish(first_event(release(n).model_copy(update={"id": f"h{n}"}), actor="bench"))
        await building.get()
        latencies.append(time.perf_counter() - start)
    for _ in range(hops):  # the chain carries every hop event on to `pushed`; drain them first
        await pushed.get()
    events = [first_event(release(n), actor="bench") for n in range(releases)]
    start = time.perf_counter()
    await asyncio.gather(*(bus.publish(e) for e in events))
    for _ in range(releases):
        await pushed.get()
    elapsed = time.perf_counter() - start
    await conn.close(), await conn2.close(), await bus.close()
    for runner in runners:
        await runner.cleanup()
    return latencies, elapsed


# ---- bare aio-pika baseline -----------------------------------------------------------------------
async def run_baseline(settings: BusSettings, hops: int, releases: int) -> tuple[list[float], float]:
    connection = await aio_pika.connect(URL, client_properties={"connection_name": "bench-baseline"})
    channel = await connection.channel(publisher_confirms=True)
    await channel.set_qos(prefetch_count=settings.prefetch)
    exchange = await channel.declare_exchange(settings.exchange + ".raw", aio_pika.ExchangeType.TOPIC, durable=True)
    for source, target in itertools.pairwise(CHAIN):
        # Same queue type as Greenlight's work queues, so the ratio is client overhead, not broker cost.
        queue = await channel.declare_queue(f"{settings.queue_prefix}raw.{source}", durable=True,
                                            arguments={"x-queue-type": "quorum"})
        await queue.bind(exchange, f"release.*.{source}")

        def make(target: S) -> Callable[[aio_pika.abc.AbstractIncomingMessage], Awaitable[None]]:
            async def on(message: aio_pika.abc.AbstractIncomingMessage) -> None:
                body = json.loads(message.body)
                await exchange.publish(aio_pika.Message(json.dumps(body).encode(), message_id=message.message_id),
                                       f"release.{body['app']}.{target}")
                await message.ack()
            return on

        await queue.consume(make(target))
    log = await channel.declare_queue(settings.log_stream + ".raw", durable=True,
                                      arguments={"x-queue-type": "stream"})
    await log.bind(exchange, "release.#")
    settings_raw = settings.model_copy(update={"exchange": settings.exchange + ".raw"})
    conn, building = await observer(settings_raw, "release.*.building")
    conn2, pushed = await observer(settings_raw, "release.*.pushed")
    body = first_event(release(0), actor="bench").dumps()
    latencies = []
    for n in range(hops):
        start = time.perf_counter()
        await exchange.publish(aio_pika.Message(body, message_id=f"h{n}"), "release.app0.requested")
        await building.get()
        latencies.append(time.perf_counter() - start)
    for _ in range(hops):
        await pushed.get()
    start = time.perf_counter()
    await asyncio.gather(*(exchange.publish(aio_pika.Message(body), "release.app0.requested")
                           for _ in range(releases)))
    for _ in range(releases):
        await pushed.get()
    elapsed = time.perf_counter() - start
    await conn.close(), await conn2.close()
    await exchange.delete()
    await connection.close()
    return latencies, elapsed


async def main(hops: int, releases: int) -> None:
    prefix = f"glbench.{uuid.uuid4().hex[:8]}."
    settings = BusSettings(exchange=f"{prefix}events", dead_letter_exchange=f"{prefix}dlx",
                           dead_letter_queue=f"{prefix}dead", log_stream=f"{prefix}log", queue_prefix=prefix)
    base_lat, base_t = await run_baseline(settings, hops, releases)
    gl_lat, gl_t = await run_greenlight(settings, hops, releases)
    await cleanup(settings)
    ev = releases * (len(CHAIN) - 1)
    print(f"{'':28}{'hop p50 ms':>12}{'hop p99 ms':>12}{'chain events/s':>16}{'releases/s':>12}")
    for name, lat, t in (("bare aio-pika (baseline)", base_lat, base_t), ("greenlight", gl_lat, gl_t)):
        print(f"{name:28}{pct(lat, 50):12.2f}{pct(lat, 99):12.2f}{ev / t:16.0f}{releases / t:12.1f}")
    print(f"ratio greenlight/baseline: hop p50 {pct(gl_lat, 50) / pct(base_lat, 50):.2f}x, "
          f"throughput {base_t / gl_t:.2f}x of baseline")
    print(f"target hop p50 <= 5 ms: {'met' if pct(gl_lat, 50) <= 5 else 'NOT met'}")


async def cleanup(settings: BusSettings) -> None:
    connection = await aio_pika.connect(URL, client_properties={"connection_name": "bench-cleanup"})
    async with connection:
        channel = await connection.channel()
        names = [settings.log_stream, settings.log_stream + ".raw", settings.dead_letter_queue,
                 *(f"{settings.queue_prefix}bench{n}" for n in range(4)),
                 *(f"{settings.queue_prefix}raw.{s}" for s in CHAIN)]
        for name in names:
            await channel.queue_delete(name)
        await channel.exchange_delete(settings.exchange)
        await channel.exchange_delete(settings.dead_letter_exchange)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hops", type=int, default=5000)
    parser.add_argument("--releases", type=int, default=500)
    args = parser.parse_args()
    asyncio.run(main(args.hops, args.releases))
