"""On a partition (one message of an app at a time, in delivery order), a handler failure that requeues its message
keeps the app's order: the app's next message, already delivered and waiting behind it, ran first, before the
redelivery of the one that failed (a release's step overtaken by the next release of the app, a switcher's timer by
the approval it followed)."""

from __future__ import annotations

import asyncio

import aio_pika

from services.shared.bus import Bus
from services.shared.consumer import Consumer, Subscription
from services.shared.events import ReleaseEvent, first_event
from services.shared.protocol import ReleaseState as S
from services.shared.settings import BusSettings
from services.shared.topology import declare_work_queue
from tests.harness import make_release


async def test_a_requeued_message_runs_again_before_its_apps_next(bus_settings: BusSettings) -> None:
    bus = Bus(bus_settings, connection_name="gltest-requeue-order")
    await bus.connect()
    queue = f"{bus_settings.queue_prefix}ordered"
    started: list[str] = []
    both_delivered = asyncio.Event()
    done = asyncio.Event()

    async def handler(event: ReleaseEvent, bus: Bus) -> None:
        started.append(event.release_id)
        if started == ["r1"]:
            await both_delivered.wait()  # r2 taken and waiting for the app
            raise RuntimeError("a bug, or a dependency failing in a way not marked transient")
        if len(started) == 3:
            done.set()

    sub = Subscription("ordered", [S.REQUESTED], handler, queue=queue, skip_ended=False)
    consumer = Consumer(bus, sub, queue=queue, one_per_app=True)
    spawn = consumer._spawn

    async def counting(message: aio_pika.abc.AbstractIncomingMessage) -> None:
        await spawn(message)
        if consumer.in_flight >= 2:
            both_delivered.set()

    consumer._spawn = counting  # type: ignore[method-assign]
    try:
        await declare_work_queue(bus.connection, bus_settings, queue, [])
        channel = await bus.connection.channel()
        for rid in ("r1", "r2"):
            body = first_event(make_release(rid), actor="ann").dumps()
            await channel.default_exchange.publish(aio_pika.Message(body), routing_key=queue)
        await channel.close()
        await consumer.consume(await bus.channel(bus_settings.prefetch))
        await asyncio.wait_for(done.wait(), 15)
        assert started == ["r1", "r1", "r2"]
    finally:
        await consumer.stop(5)
        await bus.close()
