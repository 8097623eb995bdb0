"""A subscription removed without its pending deliveries being settled (by an API replica of the version before, during
a rolling update: it deleted the row alone) while one of them waits out its receiver's `Retry-After: 3600`: the retry,
back from its step before the hour is over, finds the subscription gone, settles the delivery (`subscription
removed`) and is dropped. Before, it was parked again and again, the record pending, until the hour was over."""

from __future__ import annotations

from sqlalchemy import delete

from services.notifier.records import Status
from services.shared.db.migrate import open_migrated
from services.shared.db.settings import DatabaseSettings
from services.shared.settings import BusSettings
from services.shared.subscriptions import subscriptions
from tests.notifier.conftest import records_of, rig, subscribe, walk
from tests.notifier.receiver import Receiver
from tests.notifier.records_written import RecordsWritten
from tests.notifier.retries_dropped import queued

DELAYS = [0.05, 0.2]  # the hour asked is waited out at 0.2 s, again and again
WAITING = "HTTP 429, Retry-After 3600 s"


async def test_the_retry_settles_a_delivery_whose_subscription_was_removed_the_old_way(
        bus_settings: BusSettings, any_database: str, receiver: Receiver, records_written: RecordsWritten) -> None:
    [event] = walk("old1", "demo")
    receiver.scripted[event.message_id] = [(429, {"Retry-After": "3600"})] * 5
    async with rig(bus_settings, any_database, receiver, subscriptions=[], retry_delays=DELAYS) as r:
        assert r.records is not None
        records = r.records
        await subscribe(r, id="ops", url=r.receiver_url)
        await r.publish(event)

        async def recorded(status: Status, error: str) -> bool:
            return [(x.status, x.last_error) for x in await records.of_release("old1")] == [(status, error)]

        await records_written.until(lambda: recorded(Status.PENDING, WAITING), 20)
        engine = await open_migrated(DatabaseSettings())
        try:
            async with engine.begin() as connection:  # as the API of the version before removed it: the row alone
                await connection.execute(delete(subscriptions).where(subscriptions.c.id == "ops"))
        finally:
            await engine.dispose()
        await records_written.until(lambda: recorded(Status.FAILED, "subscription removed"), 10)
        parked = await queued(bus_settings, r.settings.work_queue,
                              *(r.settings.retry_queue(n) for n in range(len(DELAYS))))
    [record] = await records_of(any_database, "old1")
    assert record.attempts == 1 and receiver.attempts == {event.message_id: 1}
    assert parked == 0  # dropped, not parked again for the rest of the hour
