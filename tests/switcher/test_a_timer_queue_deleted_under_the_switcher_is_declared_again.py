"""The switcher's timer queue, deleted while the switcher stays connected (an operator, a policy), is declared again
by the next timer set, and that timer fires: the warm colour it carries is scaled down.

It was declared only at start (and by a reconnect): meanwhile each timer's publish came back unroutable, every switch
failed to set its timer after its flip, and the release was given up with its colour left warm.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import aio_pika
import pytest

from services.shared.bus import Bus
from services.shared.events import first_event
from services.shared.settings import BusSettings
from services.switcher.timers import TIMER_KEY, RabbitTimers
from tests.harness import delete_queues, make_release


@pytest.fixture
async def bus(bus_settings: BusSettings) -> AsyncIterator[Bus]:
    bus = Bus(bus_settings, connection_name="gltest-timer-queue-deleted")
    await bus.connect()
    try:
        yield bus
    finally:
        await bus.close()


async def test_a_timer_set_after_its_queue_was_deleted_still_fires(bus: Bus, bus_settings: BusSettings) -> None:
    channel = await bus.connection.channel()
    fired: asyncio.Queue[aio_pika.abc.AbstractIncomingMessage] = asyncio.Queue()
    work = await channel.declare_queue(f"{bus_settings.queue_prefix}switcher-stand-in", exclusive=True)
    await work.bind(bus_settings.exchange, TIMER_KEY)  # where the switcher's work queue takes its timers
    await work.consume(fired.put, no_ack=True)
    timers = RabbitTimers(bus, f"{bus_settings.queue_prefix}switcher.timers")
    await timers.start()
    try:
        await delete_queues(bus_settings, timers.queue)
        timer = first_event(make_release("r-warm"), actor="switcher")
        await timers.schedule(timer, 0.2)
        arrived = await asyncio.wait_for(fired.get(), 10)
    finally:
        await timers.close()
        await channel.close()
    assert arrived.body == timer.dumps() and arrived.routing_key == TIMER_KEY
