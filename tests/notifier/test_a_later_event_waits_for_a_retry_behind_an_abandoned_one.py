"""Order per release and subscriber: an event waits while an earlier event of its release is still pending, unless
that one's retry can no longer be coming (abandoned). Only the FIRST earlier pending event was looked at: with an
abandoned one first (its retry dead-lettered after a database outage, as the README describes) and a second still
being retried on the broker, a third event looked at the abandoned one alone and went ahead of the second, whose retry
then delivered it after the third."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from services.notifier.records import Status, deliveries
from services.shared.protocol import ReleaseState as S
from services.shared.release import utcnow
from services.shared.settings import BusSettings
from tests.notifier.conftest import rig, walk
from tests.notifier.receiver import Receiver

DELAYS = [2.0, 2.0, 2.0]  # the second event's retry is back 2 s after its first attempt fails


async def test_a_later_event_does_not_overtake_a_retried_one_behind_an_abandoned_one(
        bus_settings: BusSettings, postgres_url: str, receiver: Receiver) -> None:
    requested, *_, awaiting, approved = walk("order", "demo", S.BUILDING, S.BUILT, S.PUSHING, S.PUSHED,
                                             S.DEPLOYING, S.AWAITING_APPROVAL, S.APPROVED)
    receiver.failures[awaiting.message_id] = 1  # its first attempt answers 500: retried 2 s later
    async with rig(bus_settings, postgres_url, receiver, retry_delays=DELAYS) as r:
        assert r.records is not None
        # `requested` was tried once and left pending an hour ago, its retry gone (dead-lettered): abandoned.
        record = await r.records.open("sub-0", requested)
        await r.records.attempted(record, Status.PENDING, "HTTP 500")
        async with r.records.engine.begin() as connection:
            await connection.execute(update(deliveries).where(
                deliveries.c.event_id == requested.message_id).values(updated_at=utcnow() - timedelta(hours=1)))

        await r.publish(awaiting, approved)
        accepted = await receiver.wait_for(2, timeout=20)
    # `awaiting` was pending with its retry parked when `approved` came: `approved` had to wait for it.
    assert [d["id"] for d in accepted] == [awaiting.message_id, approved.message_id]
