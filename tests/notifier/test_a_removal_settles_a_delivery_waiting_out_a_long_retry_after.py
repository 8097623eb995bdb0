"""A subscription removed through the API while one of its deliveries waits out its receiver's `Retry-After: 3600`:
the delivery is settled by the removal itself (`failed`, `subscription removed`: no failure of the endpoint), and
the retry parked on the broker, back from its step (again and again until the hour is over), finds it settled and is
dropped: the endpoint is not called again, the record not rewritten. Before, the record said pending, `HTTP 429,
Retry-After 3600 s`, for up to the hour (GREENLIGHT_NOTIFIER_RETRY_AFTER_CAP) until the wait ended. Two notifier
replicas run; a redelivered copy of the parked retry is dropped too."""

from __future__ import annotations

from typing import Any

import aio_pika
import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy.ext.asyncio import create_async_engine

from services.approval.app import create_app as create_api
from services.approval.hook_settings import HookSettings
from services.approval.settings import ApprovalSettings
from services.notifier.app import create_app
from services.notifier.records import DeliveryRecords, Record, Status
from services.notifier.retry import SUBSCRIPTION_HEADER
from services.notifier.retry_after import WAIT_HEADER
from services.shared.events import ReleaseEvent
from services.shared.settings import BusSettings
from services.shared.timeouts import bounded
from tests.approval.fakes import FakeResolver
from tests.harness import serving
from tests.notifier.conftest import ADMIN, SECRET, records_of, rig, walk
from tests.notifier.receiver import Receiver
from tests.notifier.records_written import RecordsWritten
from tests.notifier.retries_dropped import dropped_retries, queued

pytestmark = pytest.mark.usefixtures("loopback_subscribers")
DELAYS = [0.05, 0.2]  # the hour asked is waited out at 0.2 s, again and again: back many times a second
WAITING = "HTTP 429, Retry-After 3600 s"


async def test_a_removed_subscriptions_long_wait_is_settled_at_once_and_its_retry_dropped(
        bus_settings: BusSettings, any_database: str, receiver: Receiver, records_written: RecordsWritten,
        monkeypatch: pytest.MonkeyPatch) -> None:
    dropped = dropped_retries(monkeypatch)
    [event] = walk("slow1", "demo")
    receiver.scripted[event.message_id] = [(429, {"Retry-After": "3600"})] * 5
    api = create_api(ApprovalSettings(dev_tokens=True, bus=bus_settings), resolver=FakeResolver(),
                     hooks=HookSettings())
    async with rig(bus_settings, any_database, receiver, subscriptions=[], retry_delays=DELAYS,
                   notifier=False) as r, TestClient(TestServer(api, host="127.0.0.1")) as client:
        records = DeliveryRecords(create_async_engine(any_database))  # the test's own reads
        try:
            async with serving(create_app(r.settings), port=0), serving(create_app(r.settings), port=0):
                created = await client.post("/subscriptions", headers=ADMIN,
                                            json={"id": "ops", "url": r.receiver_url, "secret": SECRET})
                assert created.status == 201, await created.text()
                await r.publish(event)

                async def waiting() -> bool:
                    return [(x.status, x.last_error) for x in await records.of_release("slow1")] == [
                        (Status.PENDING, WAITING)]

                await records_written.until(waiting, 20)
                removed = await client.delete("/subscriptions/ops", headers=ADMIN)
                assert removed.status == 200
                [at_once] = await records.of_release("slow1")  # no waiting: settled by the removal itself
                assert (at_once.status, at_once.attempts, at_once.last_error) == (
                    Status.FAILED, 1, "subscription removed"), at_once
                # The parked retry comes back within its 0.2 s step and is dropped; a redelivered copy too.
                assert await bounded(dropped.get(), 10) == event.message_id
                await redeliver(r.bus, r.settings.work_queue, event)
                assert await bounded(dropped.get(), 10) == event.message_id
        finally:
            await records.engine.dispose()
        parked = await queued(bus_settings, r.settings.work_queue,
                              *(r.settings.retry_queue(n) for n in range(len(DELAYS))))
    [record] = await records_of(any_database, "slow1")
    assert _same(record, at_once), (record, at_once)  # not rewritten when the retry came back
    assert receiver.attempts == {event.message_id: 1}  # the endpoint was not called again
    assert parked == 0  # the retry was acked, not parked again for the rest of the hour


def _same(one: Record, other: Record) -> bool:
    return (one.status, one.attempts, one.last_error, one.updated_at) == (
        other.status, other.attempts, other.last_error, other.updated_at)


async def redeliver(bus: Any, work_queue: str, event: ReleaseEvent) -> None:
    """The parked retry as it comes back from its step (or is delivered again): for `ops`, most of the hour left."""
    channel = await bus.connection.channel()
    try:
        await channel.default_exchange.publish(aio_pika.Message(
            event.dumps(), content_type="application/json",
            headers={SUBSCRIPTION_HEADER: "ops", WAIT_HEADER: 3_000_000}), work_queue)
    finally:
        await channel.close()
