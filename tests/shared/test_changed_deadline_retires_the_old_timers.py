"""A step deadline changed (GREENLIGHT_DEADLINE_<STEP>) is the one that fires: the timer queue of the old value is
unbound as the new one is declared, and deleted once empty.

Each deadline has a queue named for its value, so a change makes a new queue; the old one stayed bound beside it and
kept a copy of every step start. A deadline lengthened because builds take longer still failed every build at the
old value.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import aio_pika
import pytest
from aiohttp import web

from services.shared.deadlines import (
    DEADLINE_KEY,
    STEP_DEADLINES,
    DeadlineSettings,
    deadline_queue_name,
    declare_deadline_timers,
    timers_record_name,
)
from services.shared.events import first_event
from services.shared.runtime import BUS
from services.shared.settings import BusSettings
from tests.harness import connect_any, delete_queues, make_release

BEFORE = DeadlineSettings(build=timedelta(seconds=0.3))
NOW = DeadlineSettings(build=timedelta(seconds=2))


@pytest.fixture
async def timers(bus_settings: BusSettings) -> AsyncIterator[None]:
    yield
    names = {deadline_queue_name(bus_settings, step, d.of(step)) for step in STEP_DEADLINES for d in (BEFORE, NOW)}
    await delete_queues(bus_settings, *names, timers_record_name(bus_settings))


async def test_only_the_deadline_in_force_fires(bus_settings: BusSettings, probe: web.Application,
                                                timers: None) -> None:
    bus = probe[BUS]
    await declare_deadline_timers(bus.connection, bus_settings, BEFORE)
    in_force = await declare_deadline_timers(bus.connection, bus_settings, NOW)  # a restart with the new value
    connection = await connect_any(bus_settings, "gltest-deadline-watch")
    async with connection:
        channel = await connection.channel()
        fired = await channel.declare_queue(exclusive=True)
        await fired.bind(bus_settings.exchange, DEADLINE_KEY.format(step="build"))
        arrived: asyncio.Queue[aio_pika.abc.AbstractIncomingMessage] = asyncio.Queue()
        await fired.consume(arrived.put, no_ack=True)
        await bus.publish(first_event(make_release(), actor="ann"))
        first = await asyncio.wait_for(arrived.get(), 10)
    assert (first.headers or {}).get("x-first-death-queue") == deadline_queue_name(bus_settings, "build", NOW.build)
    assert deadline_queue_name(bus_settings, "build", NOW.build) in in_force
