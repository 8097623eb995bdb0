"""A first delivery is a first attempt, whatever `x-delivery-count` header its publisher left on it.

RabbitMQ sets that header on a quorum queue's redeliveries only, and passes a publisher's own through on the first
delivery (probed on 3.10: `"abc"` and `42` arrive as sent, with `redelivered` false). A message replayed from the
dead-letter queue keeps the count of the queue that gave it up, and one moved by a tool keeps whatever it carried.
Read as the broker's count, 42 failed the release at once ("delivered 42 times and never settled") without the
handler ever running, and `"abc"` raised in the consumer: the message was never settled and held a prefetch slot
until the channel closed, so a prefetch's worth of them stalled the queue.
"""

from __future__ import annotations

import aio_pika
from aiohttp import web

from services.shared.events import first_event
from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS, STORE
from services.shared.settings import BusSettings
from tests.harness import make_release, running, wait_for_state
from tests.shared.conftest import stub_service

LEFT_BY_PUBLISHERS = {"stale": 42, "garbled": "abc", "listed": [1, 2]}


async def test_publisher_delivery_count_is_not_the_brokers(bus_settings: BusSettings, probe: web.Application) -> None:
    async with running(stub_service(bus_settings)):
        channel = await probe[BUS].connection.channel()
        queue = f"{bus_settings.queue_prefix}builder"
        for rid, count in LEFT_BY_PUBLISHERS.items():
            body = first_event(make_release(rid=rid, app=f"app-{rid}"), actor="ann").dumps()
            await channel.default_exchange.publish(
                aio_pika.Message(body, headers={"x-delivery-count": count}), routing_key=queue)
        await channel.close()
        for rid in LEFT_BY_PUBLISHERS:
            reached = await wait_for_state(probe[STORE], rid, S.BUILT, S.FAILED, timeout=10)
            assert reached.state is S.BUILT, (rid, reached.error)
