"""Each notified event reaches the subscriber exactly once and in order, through retries and duplicates."""

from __future__ import annotations

from services.notifier.records import Status
from services.shared.protocol import ReleaseState as S
from services.shared.settings import BusSettings
from tests.notifier.conftest import records_of, rig, walk
from tests.notifier.receiver import Receiver

PIPELINE = (S.BUILDING, S.BUILT, S.PUSHING, S.PUSHED, S.DEPLOYING, S.AWAITING_APPROVAL, S.APPROVED,
            S.SWITCHING, S.LIVE)


async def test_retried_and_duplicated_events_arrive_once_each_in_seq_order(
        bus_settings: BusSettings, postgres_url: str, receiver: Receiver) -> None:
    events = walk("r1", "demo", *PIPELINE)
    awaiting = next(e for e in events if e.state == S.AWAITING_APPROVAL)
    receiver.failures[awaiting.message_id] = 2  # two 500s, then accepted: on the third attempt
    async with rig(bus_settings, postgres_url, receiver) as r:
        for event in events:
            await r.publish(event, event)  # every message twice, as a redelivery would
        accepted = await receiver.wait_for(4)
    records = await records_of(postgres_url, "r1")

    notified = [e for e in events if e.state in (S.REQUESTED, S.AWAITING_APPROVAL, S.APPROVED, S.LIVE)]
    assert [d["id"] for d in accepted] == [e.message_id for e in notified]  # in seq order, once each
    assert [d["type"] for d in accepted] == [f"dev.greenlight.release.{e.state.value}" for e in notified]
    assert all(d["specversion"] == "1.0" and d["subject"] == "r1" for d in accepted)
    assert receiver.bad_signatures == 0
    # Every record settled as delivered: no retry is still parked that could deliver again.
    assert {(rec.state, rec.status, rec.attempts) for rec in records} == {
        ("requested", Status.DELIVERED, 1), ("awaiting_approval", Status.DELIVERED, 3),
        ("approved", Status.DELIVERED, 1), ("live", Status.DELIVERED, 1)}
    assert len(receiver.accepted) == 4
