"""The deadline watch looks for its timer queues on one channel kept between checks, not on a new one per queue.

Each check opened a channel for each of the four timer queues and closed it again: 4 channel opens and closes every
GREENLIGHT_DEADLINE_TIMERS_CHECK (10 s) per API replica, each a round trip and the broker's bookkeeping for a channel,
for queues that are nearly always there. Now a queue that is there costs a passive declare on the one channel; only a
missing one (whose 404 closes the channel) costs a new channel at the next look.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import aiormq
import pytest

from services.shared.bus import Bus
from services.shared.deadlines import STEP_DEADLINES, DeadlineSettings, deadline_queue_name, declare_deadline_timers
from services.shared.settings import BusSettings
from tests.harness import delete_queues

DEADLINES = DeadlineSettings(timers_check=timedelta(seconds=0.05))
CHECKS = 5


@pytest.fixture
async def bus(bus_settings: BusSettings) -> AsyncIterator[Bus]:
    bus = Bus(bus_settings, connection_name="gltest-deadline-watch-one-channel")
    await bus.connect()
    try:
        yield bus
    finally:
        await bus.close()
        await delete_queues(bus_settings, *(deadline_queue_name(bus_settings, step, DEADLINES.of(step))
                                            for step in STEP_DEADLINES))


async def test_checks_open_no_channel_while_the_queues_are_there(bus: Bus, bus_settings: BusSettings,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    looks, opened, enough = 0, 0, asyncio.Event()
    declare, channel = aiormq.Channel.queue_declare, aiormq.Connection.channel

    async def counting_declare(self: aiormq.Channel, *args: Any, **kwargs: Any) -> Any:
        nonlocal looks
        if kwargs.get("passive"):
            looks += 1
            if looks >= CHECKS * len(STEP_DEADLINES):
                enough.set()
        return await declare(self, *args, **kwargs)

    async def counting_channel(self: aiormq.Connection, *args: Any, **kwargs: Any) -> Any:
        nonlocal opened
        opened += 1
        return await channel(self, *args, **kwargs)

    await declare_deadline_timers(bus.connection, bus_settings, DEADLINES)
    monkeypatch.setattr(aiormq.Channel, "queue_declare", counting_declare)
    monkeypatch.setattr(aiormq.Connection, "channel", counting_channel)
    await asyncio.wait_for(enough.wait(), 10)
    assert looks >= CHECKS * len(STEP_DEADLINES)
    assert opened <= 1, (opened, looks)  # the first check's, if the watch had not looked before the count began
