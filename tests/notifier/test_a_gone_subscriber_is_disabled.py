"""A receiver answering 410 Gone is not tried again: its subscription is disabled for good (a later event, after a
restart, is not sent to it), the API lists it disabled, and the notifier says so once; enabled again through the API,
it is delivered to from the next event."""

from __future__ import annotations

from aiohttp.test_utils import TestClient, TestServer
from structlog.testing import capture_logs

from services.approval.app import create_app as create_api
from services.approval.hook_settings import HookSettings
from services.approval.settings import ApprovalSettings
from services.notifier.app import create_app
from services.notifier.records import Status
from services.shared.settings import BusSettings
from tests.approval.fakes import FakeResolver
from tests.harness import serving
from tests.notifier.conftest import ADMIN, records_of, rig, subscribe, walk
from tests.notifier.receiver import Receiver
from tests.notifier.records_written import RecordsWritten

GONE = "subscription disabled: its receiver says it is gone; nothing more is sent to it"


async def test_a_410_disables_the_subscription_until_it_is_enabled(
        bus_settings: BusSettings, postgres_url: str, receiver: Receiver, records_written: RecordsWritten) -> None:
    [first], [later], [back] = walk("r1", "demo"), walk("r2", "demo"), walk("r3", "demo")
    # sub-0, of the environment: its endpoint was removed (r1, r2), then is back (r3).
    receiver.scripted = {first.message_id: [(410, {})] * 10, later.message_id: [(410, {})] * 10}
    witness = Receiver(receiver.secret)  # an API subscription, delivered to after sub-0 (the environment's first)
    api = create_api(ApprovalSettings(dev_tokens=True, bus=bus_settings), resolver=FakeResolver(),
                     hooks=HookSettings())

    async def settled() -> bool:
        return [r.status for r in await records_of(postgres_url, "r1") if r.subscription_id == "sub-0"] == [
            Status.FAILED]

    async with rig(bus_settings, postgres_url, receiver, notifier=False, allow=["127.0.0.1"]) as r, \
            serving(witness.app(), port=0) as witness_url, TestClient(TestServer(api, host="127.0.0.1")) as client:
        await subscribe(r, id="witness", url=f"{witness_url}/hook")
        with capture_logs() as logs:
            async with serving(create_app(r.settings), port=0):
                await r.publish(first)
                await records_written.until(settled, 20)
                await witness.wait_for(1)
            async with serving(create_app(r.settings), port=0):  # restarted: the disabling is in the database
                await r.publish(later)
                await witness.wait_for(2)
                listed = {s["id"]: s for s in (await (await client.get("/subscriptions", headers=ADMIN)).json())[
                    "items"]}
                enabled = await client.post("/subscriptions/sub-0/enable", headers=ADMIN)
                enabled_body = await enabled.json()
                await r.publish(back)
                await receiver.wait_for(1)
    records = {(x.subscription_id, x.event_id): x for x in await records_of(postgres_url, "r1")}
    gone = records[("sub-0", first.message_id)]
    assert (gone.status, gone.attempts, gone.last_error) == (Status.FAILED, 1, "HTTP 410: subscription disabled")
    # Not retried, r2 never sent to it, r3 delivered once it was enabled.
    assert receiver.attempts == {first.message_id: 1, back.message_id: 1}
    assert [d["id"] for d in witness.accepted][:2] == [first.message_id, later.message_id]  # r3 maybe yet to come
    assert (listed["sub-0"]["source"], listed["sub-0"]["disabled_reason"]) == ("environment", "HTTP 410 Gone")
    assert listed["sub-0"]["disabled_at"] is not None and listed["witness"]["disabled_at"] is None
    assert enabled.status == 200 and enabled_body["disabled_at"] is None
    assert [e["subscription"] for e in logs if e["event"] == GONE] == ["sub-0"]
