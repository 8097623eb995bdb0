"""A give-up whose read of the release log fails is requeued to read it again, unless this is the last delivery the
broker allows (then it settles from what this process saw). Which delivery it is was read from `x-delivery-count`
even on a first delivery, where a quorum queue passes a publisher's own header through (a dead letter replayed keeps
the count its queue gave up at): such a message settled at once, unread, from its own event. A `building` the log
held (the process that took the message before died in the build) then got a `failed` on its own seq.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import aio_pika
import pytest

from services.shared import giveup
from services.shared.bus import Bus
from services.shared.events import ReleaseEvent, first_event
from services.shared.giveup import GiveUp
from services.shared.protocol import ReleaseState as S
from services.shared.settings import BusSettings
from services.shared.work_queues import BROKER_DELIVERY_MARGIN, declare_work_queue
from tests.harness import dead_letters, make_release


@pytest.fixture
async def bus(bus_settings: BusSettings) -> AsyncIterator[Bus]:
    bus = Bus(bus_settings, connection_name="gltest-give-up-first-delivery")
    await bus.connect()
    try:
        yield bus
    finally:
        await bus.close()


async def test_a_first_delivery_carrying_the_last_count_is_requeued_when_the_log_cannot_be_read(
        bus: Bus, bus_settings: BusSettings, monkeypatch: pytest.MonkeyPatch) -> None:
    requested = first_event(make_release(rid="r-replayed", app="shop"), actor="ann")
    building = requested.next(S.BUILDING, actor="builder")
    for event in (requested, building):
        await bus.publish(event)
    queue_name = f"{bus_settings.queue_prefix}give-up-probe"
    await declare_work_queue(bus.connection, bus_settings, queue_name, [])

    reads: list[str] = []
    read = giveup.latest_event

    async def unreadable_once(bus: Bus, release_id: str, since: datetime, **kw: Any) -> ReleaseEvent | None:
        reads.append(release_id)
        if len(reads) == 1:
            raise TimeoutError("the release log did not answer")
        return await read(bus, release_id, since, **kw)

    published: list[ReleaseEvent] = []
    publish = bus.publish

    async def spied(event: ReleaseEvent) -> None:
        published.append(event)
        await publish(event)

    monkeypatch.setattr(giveup, "latest_event", unreadable_once)
    monkeypatch.setattr(giveup, "GIVE_UP_BACKOFF", 0.0)
    monkeypatch.setattr(bus, "publish", spied)

    channel = await bus.connection.channel()
    delivered: asyncio.Queue[aio_pika.abc.AbstractIncomingMessage] = asyncio.Queue()
    queue = await channel.get_queue(queue_name)
    await queue.consume(delivered.put)
    last = bus_settings.delivery_limit + BROKER_DELIVERY_MARGIN  # what the broker's last allowed delivery says
    await channel.default_exchange.publish(
        aio_pika.Message(requested.dumps(), headers={"x-delivery-count": last}), routing_key=queue_name)
    give_up = GiveUp(bus, "builder", queue_name)

    first = await asyncio.wait_for(delivered.get(), 10)
    assert not first.redelivered and (first.headers or {})["x-delivery-count"] == last
    await give_up.failing(first, requested, "the build step broke")
    assert published == [], f"settled on a first delivery without the log: {published!r}"

    again = await asyncio.wait_for(delivered.get(), 10)  # requeued: the log is read this time
    assert again.redelivered
    await give_up.failing(again, requested, "the build step broke")
    await dead_letters(bus_settings, 1)
    await channel.close()
    assert [(e.seq, e.state) for e in published] == [(building.seq + 1, S.FAILED)]
