"""A scale-down timer whose delay is longer than RabbitMQ holds a message (`GREENLIGHT_SWITCHER_SCALE_DOWN_DELAY` past
10 years: an operator keeping the old colour warm "for good") is parked all the same, for the longest the broker
takes, and a timer set after it too.

The switcher's setting has no maximum and the timer's `expiration` was the whole delay: the broker refused the publish
(`invalid expiration … value_too_large`) with PublishFailed: every switch failed to set its timer after its flip, before
publishing `live`.
"""

from __future__ import annotations

from aiohttp import web

from services.shared.events import first_event
from services.shared.runtime import BUS
from services.shared.settings import BusSettings
from services.switcher.timers import RabbitTimers
from tests.harness import connect_any, make_release

A_CENTURY = 100 * 365 * 24 * 3600.0


async def test_a_timer_longer_than_the_broker_holds_is_parked(bus_settings: BusSettings,
                                                              probe: web.Application) -> None:
    queue = f"{bus_settings.queue_prefix}switcher.timers"
    timers = RabbitTimers(probe[BUS], queue)
    await timers.start()
    try:
        await timers.schedule(first_event(make_release("r1"), actor="ann"), A_CENTURY)
        await timers.schedule(first_event(make_release("r2"), actor="ann"), 600.0)  # the channel still parks
    finally:
        await timers.close()
    connection = await connect_any(bus_settings, "gltest-switcher-timers")
    async with connection:
        channel = await connection.channel()
        parked = await channel.declare_queue(queue, passive=True)
        first = await parked.get(no_ack=False)
        assert parked.declaration_result.message_count == 2
        assert first.expiration is not None and 3000 * 24 * 3600 < first.expiration <= 3650 * 24 * 3600
        await first.nack(requeue=True)
