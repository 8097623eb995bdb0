"""A step deadline's timer queue deleted while the API stays connected is declared again, and the timers it held, and
those of the events logged while it was gone, still fire: the timers are put back from the release log.

It was declared again only at a reconnect or a restart. Nothing publishes the timers (the broker copies each starting
event into the queue), so nothing noticed: the timers the queue held went with it, each later event had none, and a
release nobody built stayed `requested` for good, holding its app.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import aio_pika
import pytest

from services.shared.bus import Bus
from services.shared.deadlines import DEADLINE_KEY, DeadlineSettings, deadline_queue_name, declare_deadline_timers
from services.shared.events import first_event, parse_event
from services.shared.settings import BusSettings
from tests.harness import delete_queues, make_release

DEADLINES = DeadlineSettings(build=timedelta(seconds=2), timers_check=timedelta(seconds=0.2))


@pytest.fixture
async def bus(bus_settings: BusSettings) -> AsyncIterator[Bus]:
    bus = Bus(bus_settings, connection_name="gltest-deadline-queue-deleted")
    await bus.connect()
    try:
        yield bus
    finally:
        await bus.close()
        await delete_queues(bus_settings, deadline_queue_name(bus_settings, "build", DEADLINES.build))


async def test_the_timers_of_a_deleted_deadline_queue_still_fire(bus: Bus, bus_settings: BusSettings) -> None:
    channel = await bus.connection.channel()
    fired: asyncio.Queue[str] = asyncio.Queue()
    watcher = await channel.declare_queue(f"{bus_settings.queue_prefix}deadline-watcher-stand-in", exclusive=True)
    await watcher.bind(bus_settings.exchange, DEADLINE_KEY.format(step="build"))

    async def on_timer(message: aio_pika.abc.AbstractIncomingMessage) -> None:
        await fired.put(parse_event(message.body).release_id)

    await watcher.consume(on_timer, no_ack=True)
    await declare_deadline_timers(bus.connection, bus_settings, DEADLINES)
    await bus.publish(first_event(make_release("r-held", app="held"), actor="ann"))  # its timer in the queue
    await delete_queues(bus_settings, deadline_queue_name(bus_settings, "build", DEADLINES.build))
    await bus.publish(first_event(make_release("r-while-gone", app="gone"), actor="ann"))
    try:
        async with asyncio.timeout(15):
            arrived = {await fired.get(), await fired.get()}
    finally:
        await channel.close()
    assert arrived == {"r-held", "r-while-gone"}
