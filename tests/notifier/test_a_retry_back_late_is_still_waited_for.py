"""A later event of a release still waits for an earlier one whose retry comes back later than its backoff step: a
busy broker and loop bring a retry back late (a clean-clone run saw one 0.58 s after its 0.1 s step), and the later
event, finding the earlier one untried past its whole backoff, took it as abandoned and overtook it. Now a retry is
waited for up to RETURN_SLACK beyond its backoff; past that it is still taken as abandoned
(`test_later_event_not_held_behind_an_abandoned_one.py`)."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import pytest

from services.notifier import delivery_outcomes
from services.notifier.delivery_outcomes import RETURN_SLACK
from services.notifier.records import Status
from services.shared.protocol import ReleaseState as S
from services.shared.release import utcnow
from services.shared.settings import BusSettings
from tests.notifier.conftest import records_of, rig, walk
from tests.notifier.receiver import Receiver
from tests.notifier.test_later_event_not_held_behind_an_abandoned_one import parks_of

DELAYS = [0.2, 0.2, 0.2]
# How long the notifier sees the earlier event untried: past its whole backoff and its step, within the slack.
LATE = timedelta(seconds=sum(DELAYS) + DELAYS[0] + RETURN_SLACK / 2)


async def test_a_later_event_waits_for_a_retry_back_late(
        bus_settings: BusSettings, postgres_url: str, receiver: Receiver, monkeypatch: pytest.MonkeyPatch) -> None:
    requested, failed = walk("r-late", "demo", S.FAILED)
    parked = parks_of(monkeypatch)

    def later() -> datetime:
        return utcnow() + LATE

    monkeypatch.setattr(delivery_outcomes, "utcnow", later)
    async with rig(bus_settings, postgres_url, receiver, retry_delays=DELAYS) as r:
        assert r.records is not None
        record = await r.records.open("sub-0", requested)
        await r.records.attempted(record, Status.PENDING, "HTTP 500")  # its retry is on its way, late

        await r.publish(failed)
        async with asyncio.timeout(10):
            assert await parked.get() == failed.message_id  # it waits: before, it was sent at once
        assert receiver.accepted == []
        await r.records.attempted(record, Status.DELIVERED)  # the late retry came and was delivered
        [delivered] = await receiver.wait_for(1, timeout=10)
    assert delivered["id"] == failed.message_id
    records = {rec.state: rec.status for rec in await records_of(postgres_url, "r-late")}
    assert records == {"requested": Status.DELIVERED, "failed": Status.DELIVERED}
