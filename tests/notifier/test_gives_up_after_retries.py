"""A subscriber that never accepts: every retry is spent on the broker, the record says failed, the next
event of the release is not held behind it."""

from __future__ import annotations

from services.notifier.records import Status
from services.shared.protocol import ReleaseState as S
from services.shared.settings import BusSettings
from tests.notifier.conftest import RETRY_DELAYS, records_of, rig, walk
from tests.notifier.receiver import Receiver


async def test_a_delivery_is_recorded_failed_after_every_retry_and_later_events_go_on(
        bus_settings: BusSettings, postgres_url: str, receiver: Receiver) -> None:
    requested, building = walk("r2", "demo", S.BUILDING)
    failed = building.next(S.FAILED, actor="builder")
    receiver.failures[requested.message_id] = 100
    async with rig(bus_settings, postgres_url, receiver) as r:
        await r.publish(requested)
        await receiver.wait_attempts(requested.message_id, 1 + len(RETRY_DELAYS))
        await r.publish(building, failed)  # `building` is not notified; `failed` is
        accepted = await receiver.wait_for(1)
    records = {rec.state: rec for rec in await records_of(postgres_url, "r2")}
    assert [d["id"] for d in accepted] == [failed.message_id]
    assert receiver.attempts[requested.message_id] == 1 + len(RETRY_DELAYS)  # no attempt beyond the last retry
    assert (records["requested"].status, records["requested"].attempts) == (Status.FAILED, 4)
    assert records["requested"].last_error == "HTTP 500"
    assert records["failed"].status == Status.DELIVERED
