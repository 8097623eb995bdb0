"""A message a relayout moves keeps the key it was routed under: the move sends its copy on under the queue's name
(or the hash ring's), and the check of what a subscription takes (subscribed.py) dead-lettered a switcher's let-go
marker so moved (a `live` under LET_GO_KEY, no state the switcher subscribes to), leaving a held colour held."""

from __future__ import annotations

import asyncio

import aio_pika

from services.shared.events import ReleaseEvent
from services.shared.protocol import ReleaseState as S
from services.shared.queue_moves import move_messages
from services.shared.release_event import first_event
from services.shared.release_states import WORK_QUEUES
from services.shared.settings import BusSettings
from services.shared.subscribed import not_taken
from services.shared.work_subscription import Subscription
from services.switcher.given_up import LET_GO_KEY
from services.switcher.timers import TIMER_KEY
from tests.harness import make_release


async def _handler(event: ReleaseEvent, bus: object) -> None:  # never run: only what the subscription takes is asked
    raise AssertionError(event)


async def test_a_let_go_marker_moved_by_a_relayout_is_still_the_switchers(bus_settings: BusSettings,
                                                                        amqp_url: str) -> None:
    switcher = Subscription("switcher", WORK_QUEUES["switcher"], _handler, extra_routing_keys=(TIMER_KEY, LET_GO_KEY))
    marker = first_event(make_release("r-let-go"), "switcher").model_copy(update={"state": S.LIVE, "seq": 9})
    old, new = f"{bus_settings.queue_prefix}switcher.old", f"{bus_settings.queue_prefix}switcher"
    connection = await aio_pika.connect_robust(amqp_url)
    async with connection:
        channel = await connection.channel()
        exchange = await channel.declare_exchange(bus_settings.exchange, aio_pika.ExchangeType.TOPIC, auto_delete=True)
        source = await channel.declare_queue(old, durable=True, arguments={"x-queue-type": "quorum"})
        target = await channel.declare_queue(new, durable=True, arguments={"x-queue-type": "quorum"})
        try:
            await source.bind(exchange, LET_GO_KEY)
            await exchange.publish(aio_pika.Message(marker.model_dump_json().encode()), LET_GO_KEY)
            assert await move_messages(connection, old, channel.default_exchange, new) == 1
            moved = await asyncio.wait_for(_one(target), 10)
            assert moved.routing_key == new  # the move's own key: the marker's is gone from the delivery
            why = not_taken(switcher, bus_settings.queue_prefix, marker, moved.routing_key, moved.headers)
        finally:
            await source.delete(if_unused=False, if_empty=False)
            await target.delete(if_unused=False, if_empty=False)
    assert why is None, why


async def _one(queue: aio_pika.abc.AbstractQueue) -> aio_pika.abc.AbstractIncomingMessage:
    async with queue.iterator() as messages:
        async for message in messages:
            await message.ack()
            return message
    raise AssertionError("the queue's consumer ended")
