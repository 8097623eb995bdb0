"""A subscription removed while one of its deliveries waits for a retry: the retry, coming back to no subscription,
records that delivery failed (`subscription removed`) instead of leaving it pending for good. Left pending, it
showed so in `/deliveries` for ever, and held the release's later events for a subscription re-created under the
same id (the way to change a URL or a secret: delete, then add) for the whole backoff, as an earlier event still
to come."""

from __future__ import annotations

from services.notifier.records import Status
from services.shared.db.migrate import open_migrated
from services.shared.db.settings import DatabaseSettings
from services.shared.notified import unbind_subscription
from services.shared.protocol import ReleaseState as S
from services.shared.settings import BusSettings
from services.shared.subscriptions import SubscriptionTable
from tests.notifier.conftest import Rig, records_of, rig, subscribe, walk
from tests.notifier.receiver import Receiver
from tests.notifier.records_written import RecordsWritten

# The first retry comes back well after the removal; the second step is the backoff a pending one would hold for.
RETRY_DELAYS = [1.0, 30.0]


async def until_settled(r: Rig, written: RecordsWritten, event_id: str) -> Status:
    assert r.records is not None
    records = r.records
    found: dict[str, Status] = {}

    async def settled() -> bool:
        found.update({rec.event_id: rec.status for rec in await records.of_release(event_id.split("/")[0])})
        return found.get(event_id, Status.PENDING) is not Status.PENDING

    await written.until(settled, 10)
    return found[event_id]


async def test_a_removed_subscriptions_pending_delivery_holds_nothing(
        bus_settings: BusSettings, postgres_url: str, receiver: Receiver, records_written: RecordsWritten) -> None:
    requested, failed = walk("gone1", "demo", S.FAILED)
    receiver.failures[requested.message_id] = 1
    async with rig(bus_settings, postgres_url, receiver, subscriptions=[], retry_delays=RETRY_DELAYS) as r:
        spec = await subscribe(r, id="ops", url=r.receiver_url)
        await r.publish(requested)
        await receiver.wait_attempts(requested.message_id, 1)  # answered 500: its retry is parked
        engine = await open_migrated(DatabaseSettings())  # removed as the API does it
        try:
            assert await SubscriptionTable(engine).remove("ops")
        finally:
            await engine.dispose()
        await unbind_subscription(r.bus.connection, r.bus.settings, spec)
        assert await until_settled(r, records_written, requested.message_id) is Status.FAILED

        await subscribe(r, id="ops", url=r.receiver_url)  # added again, the same id
        await r.publish(failed)
        assert [d["id"] for d in await receiver.wait_for(1, timeout=10)] == [failed.message_id]
    records = {rec.event_id: (rec.status, rec.attempts, rec.last_error) for rec in await records_of(postgres_url,
                                                                                                    "gone1")}
    assert records == {requested.message_id: (Status.FAILED, 1, "subscription removed"),
                       failed.message_id: (Status.DELIVERED, 1, None)}
