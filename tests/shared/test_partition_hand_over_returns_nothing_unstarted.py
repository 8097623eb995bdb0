"""A partition given up on a rebalance hands on the messages it had not started without spending a delivery of each.

Releasing a partition held the deliveries that kept coming while the messages already taken finished, and
returned them when its channel closed. A quorum queue counts every return as a delivery (`x-delivery-count`),
so each hand-over spent one of the `GREENLIGHT_DELIVERY_LIMIT` (5) deliveries of messages no replica had
started: a backlog moved by a few rebalances (a rolling update of three replicas) failed its releases as "delivered
5 times and never settled". The consumer now stops its deliveries first (basic.cancel; the partition's lock keeps
the next owner off until the messages taken are done), so nothing comes that it would not start (but what an ack
sent during the cancel's round trip brings: the test acks after it).
"""

from __future__ import annotations

import asyncio
import contextlib

import aio_pika

from services.shared.bus import Bus
from services.shared.consumer import Consumer, Subscription
from services.shared.events import ReleaseEvent, first_event
from services.shared.protocol import ReleaseState as S
from services.shared.settings import BusSettings
from services.shared.topology import declare_work_queue
from tests.harness import make_release

PREFETCH = 2
MESSAGES = 6


async def test_a_released_partition_returns_no_message_it_did_not_start(bus_settings: BusSettings) -> None:
    queue = f"{bus_settings.queue_prefix}builder.p0"
    started: list[str] = []
    first_running, go = asyncio.Event(), asyncio.Event()

    async def handle(event: ReleaseEvent, bus: Bus) -> None:
        started.append(event.release_id)
        first_running.set()
        await go.wait()

    bus = Bus(bus_settings, connection_name="gltest-hand-over")
    await bus.connect()
    try:
        await declare_work_queue(bus.connection, bus_settings, queue, [])
        channel = await bus.connection.channel()
        for n in range(MESSAGES):  # one app: each waits behind the one before it, as on a partition
            event = first_event(make_release(f"r{n}", app="demo"), actor="ann")
            await channel.default_exchange.publish(aio_pika.Message(event.dumps(), message_id=event.message_id),
                                                   routing_key=queue)
        consuming = await bus.connection.channel()
        await consuming.set_qos(prefetch_count=PREFETCH)
        consumer = Consumer(bus, Subscription("builder", [S.REQUESTED], handle, skip_ended=False), queue=queue,
                            one_per_app=True)
        await consumer.consume(consuming)
        await asyncio.wait_for(first_running.wait(), 10)

        releasing = asyncio.create_task(consumer.release(grace=10))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(consumer.draining.wait(), 10)
        assert consumer.draining.is_set(), "the release went on taking the partition's messages"
        go.set()  # the messages taken finish; with the prefetch freed, more came and were held back
        await asyncio.wait_for(releasing, 15)

        counts: dict[str, object] = {}
        for _ in range(MESSAGES - len(started)):
            message = await (await channel.get_queue(queue)).get(timeout=5)
            assert message is not None
            counts[message.message_id or ""] = (message.headers or {}).get("x-delivery-count")
            await message.ack()
        await channel.close()
    finally:
        await bus.close()

    assert len(started) == PREFETCH, started  # what it had taken, it finished
    assert counts and all(count in (None, 0) for count in counts.values()), counts
