"""A later event of a release waits for an earlier one still pending for the subscriber only as long as that one's
retry can still be coming: untried for longer than its whole backoff, it is taken as abandoned, and the later
event is delivered. An earlier event dead-lettered with its record pending (a database outage past every backoff
step, or the delivery limit) used to hold every later event of its release for that subscriber, parked for good.
"""

from __future__ import annotations

import asyncio

import pytest

from services.notifier.records import Status
from services.notifier.retry import RetryQueues
from services.shared.events import ReleaseEvent
from services.shared.protocol import ReleaseState as S
from services.shared.settings import BusSettings
from tests.notifier.conftest import records_of, rig, walk
from tests.notifier.receiver import Receiver

DELAYS = [0.2, 0.2, 0.2]  # the backoff: a pending event untried for 0.8 s has no retry coming


def parks_of(monkeypatch: pytest.MonkeyPatch) -> asyncio.Queue[str]:
    parked: asyncio.Queue[str] = asyncio.Queue()
    park = RetryQueues.park

    async def spy(self: RetryQueues, event: ReleaseEvent, subscription_id: str | None, level: int,
                  outages: int = 0) -> None:
        await park(self, event, subscription_id, level, outages)
        parked.put_nowait(event.message_id)

    monkeypatch.setattr(RetryQueues, "park", spy)
    return parked


async def test_a_later_event_waits_then_goes_past_an_abandoned_earlier_one(
        bus_settings: BusSettings, postgres_url: str, receiver: Receiver, monkeypatch: pytest.MonkeyPatch) -> None:
    requested, failed = walk("r-block", "demo", S.FAILED)
    parked = parks_of(monkeypatch)
    async with rig(bus_settings, postgres_url, receiver, retry_delays=DELAYS) as r:
        assert r.records is not None
        # `requested` was tried once and left pending, its retry gone with nothing to settle the record.
        record = await r.records.open("sub-0", requested)
        await r.records.attempted(record, Status.PENDING, "HTTP 500")

        await r.publish(failed)
        async with asyncio.timeout(10):
            assert await parked.get() == failed.message_id  # it waits for `requested` at first
        [delivered] = await receiver.wait_for(1, timeout=10)
    assert delivered["id"] == failed.message_id
    records = {rec.state: rec for rec in await records_of(postgres_url, "r-block")}
    assert records["failed"].status == Status.DELIVERED
    assert records["requested"].status == Status.PENDING  # should its retry come back after all, it is sent
