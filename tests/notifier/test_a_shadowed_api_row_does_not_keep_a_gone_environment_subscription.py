"""An environment subscription whose id the API also holds (taken through the API before the id was set in
GREENLIGHT_NOTIFIER_SUBSCRIPTIONS: the API's row is shadowed, never delivered to) answers 410 Gone. The 410 came from
the very URL the environment's subscription sends to, yet it disabled nothing: the disabling's URL check
(`subscription_pauses._sends_elsewhere`) reads the API's row of that id, whatever the subscription that answered,
and the shadowed row sends elsewhere. The gone receiver was sent every later event."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient, TestServer

from services.approval.app import create_app as create_api
from services.approval.hook_settings import HookSettings
from services.approval.settings import ApprovalSettings
from services.notifier.app import create_app
from services.notifier.records import Status
from services.shared.settings import BusSettings
from tests.approval.fakes import FakeResolver
from tests.harness import serving
from tests.notifier.conftest import ADMIN, SECRET, records_of, rig, subscribe, walk
from tests.notifier.receiver import Receiver
from tests.notifier.records_written import RecordsWritten

pytestmark = pytest.mark.usefixtures("loopback_subscribers")


async def test_a_410_disables_an_environment_subscription_whose_id_the_api_row_shadows(
        bus_settings: BusSettings, postgres_url: str, receiver: Receiver, records_written: RecordsWritten) -> None:
    [first] = walk("copy-shadow", "demo")
    receiver.scripted = {first.message_id: [(410, {})] * 10}  # sub-0, the environment's: its endpoint is gone
    elsewhere = Receiver(SECRET)  # where the API's sub-0 (shadowed) would send
    api = create_api(ApprovalSettings(dev_tokens=True, bus=bus_settings), resolver=FakeResolver(),
                     hooks=HookSettings())

    async def settled() -> bool:
        return [x.status for x in await records_of(postgres_url, first.release_id)
                if x.subscription_id == "sub-0"] == [Status.FAILED]

    async with rig(bus_settings, postgres_url, receiver, notifier=False, allow=["127.0.0.1"]) as r, \
            serving(elsewhere.app(), port=0) as elsewhere_url, TestClient(TestServer(api, host="127.0.0.1")) as client:
        await subscribe(r, id="sub-0", url=f"{elsewhere_url}/hook")  # the API's, before the environment took the id
        async with serving(create_app(r.settings), port=0):
            await r.publish(first)
            await records_written.until(settled, 20)
        listed = [s for s in (await (await client.get("/subscriptions", headers=ADMIN)).json())["items"]
                  if s["id"] == "sub-0"]
    [gone] = [x for x in await records_of(postgres_url, first.release_id) if x.subscription_id == "sub-0"]
    environment = {s["source"]: s for s in listed}["environment"]
    assert receiver.attempts == {first.message_id: 1} and elsewhere.attempts == {}
    assert (gone.last_error, environment["disabled_at"] is not None) == ("HTTP 410: subscription disabled", True), (
        f"the environment's sub-0 answered 410 from its own URL ({r.receiver_url}) and stays enabled: the 410 was "
        f"judged against the shadowed API row's URL ({elsewhere_url}/hook); record: {gone.last_error!r}, "
        f"listed: {environment}")
