"""A subscription removed through the API while an attempt of one of its deliveries is under way: the removal settles
the delivery (`subscription removed`), and the receiver's answer coming after it (`429`, `Retry-After: 3600`) does not
turn it back into pending for the hour: an attempt's outcome is written over a pending record only. The retry parked
for it is dropped when it comes back; the endpoint is not called again."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from services.approval.app import create_app as create_api
from services.approval.hook_settings import HookSettings
from services.approval.settings import ApprovalSettings
from services.notifier.records import Status
from services.shared.settings import BusSettings
from services.shared.timeouts import bounded
from tests.approval.fakes import FakeResolver
from tests.notifier.conftest import ADMIN, SECRET, records_of, rig, walk
from tests.notifier.receiver import Receiver
from tests.notifier.retries_dropped import dropped_retries

pytestmark = pytest.mark.usefixtures("loopback_subscribers")


@dataclass
class RemovedWhileAnswering(Receiver):
    """Has the subscription removed while its first attempt is under way, then answers it."""

    remove: Callable[[], Awaitable[None]] | None = None

    async def _receive(self, request: web.Request) -> web.Response:
        if self.remove is not None:
            remove, self.remove = self.remove, None
            await remove()
        return await super()._receive(request)


async def test_an_answer_after_the_removal_leaves_the_delivery_settled(
        bus_settings: BusSettings, any_database: str, monkeypatch: pytest.MonkeyPatch) -> None:
    dropped = dropped_retries(monkeypatch)
    [event] = walk("late1", "demo")
    receiver = RemovedWhileAnswering(SECRET, scripted={event.message_id: [(429, {"Retry-After": "3600"})] * 5})
    api = create_api(ApprovalSettings(dev_tokens=True, bus=bus_settings), resolver=FakeResolver(),
                     hooks=HookSettings())
    async with rig(bus_settings, any_database, receiver, subscriptions=[], retry_delays=[0.05, 0.2]) as r, \
            TestClient(TestServer(api, host="127.0.0.1")) as client:
        created = await client.post("/subscriptions", headers=ADMIN,
                                    json={"id": "ops", "url": r.receiver_url, "secret": SECRET})
        assert created.status == 201, await created.text()

        async def remove() -> None:
            assert (await client.delete("/subscriptions/ops", headers=ADMIN)).status == 200

        receiver.remove = remove
        await r.publish(event)
        assert await bounded(dropped.get(), 10) == event.message_id  # its retry, back, found it settled
    [record] = await records_of(any_database, "late1")
    # The attempt made is counted; its answer does not reopen the record.
    assert (record.status, record.attempts, record.last_error) == (Status.FAILED, 1, "subscription removed"), record
    assert receiver.attempts == {event.message_id: 1}
