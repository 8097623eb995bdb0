"""A subscription id set in GREENLIGHT_NOTIFIER_SUBSCRIPTIONS is the environment's: the API refuses to create one of
that id (409) and to delete or rotate it (409, saying where it is set), and lists it (URL masked, no secret). One the
API took before a notifier with that id started is never delivered to: the environment's is, and the notifier says
so once; the API can still delete its own. An id taken out of the environment is free again."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient, TestServer
from structlog.testing import capture_logs

from services.approval.app import create_app as create_api
from services.approval.hook_settings import HookSettings
from services.approval.settings import ApprovalSettings
from services.notifier.app import create_app
from services.shared.settings import BusSettings
from tests.approval.fakes import FakeResolver
from tests.harness import serving
from tests.notifier.conftest import ADMIN, SECRET, rig, subscribe, walk
from tests.notifier.receiver import Receiver

pytestmark = pytest.mark.usefixtures("loopback_subscribers")
SHADOWED = "a subscription id is set both in GREENLIGHT_NOTIFIER_SUBSCRIPTIONS and through the API"


async def test_the_api_neither_takes_nor_removes_an_id_of_the_environment(
        bus_settings: BusSettings, postgres_url: str, receiver: Receiver) -> None:
    api = create_api(ApprovalSettings(dev_tokens=True, bus=bus_settings), resolver=FakeResolver(),
                     hooks=HookSettings())
    elsewhere = Receiver(SECRET)
    [event] = walk("r1", "demo")
    async with rig(bus_settings, postgres_url, receiver, subscriptions=[{}, {}], notifier=False,
                   allow=["127.0.0.1"]) as r, serving(elsewhere.app(), port=0) as elsewhere_url, \
            TestClient(TestServer(api, host="127.0.0.1")) as client:
        # Taken through the API (here: stored as the API does) before the notifier, whose environment has sub-1 too.
        await subscribe(r, id="sub-1", url=f"{elsewhere_url}/hook")
        with capture_logs() as logs:
            async with serving(create_app(r.settings), port=0):
                body = {"id": "sub-0", "url": f"{elsewhere_url}/hook", "secret": SECRET}
                taken = await client.post("/subscriptions", headers=ADMIN, json=body)
                removed = await client.delete("/subscriptions/sub-0", headers=ADMIN)
                rotated = await client.post("/subscriptions/sub-0/secret", headers=ADMIN, json={"secret": SECRET})
                listed = await client.get("/subscriptions", headers=ADMIN)
                await r.publish(event)
                await receiver.wait_for(2)  # sub-0's and sub-1's, both the environment's
        assert (taken.status, removed.status, rotated.status) == (409, 409, 409)
        for answer in (taken, removed, rotated):
            assert "GREENLIGHT_NOTIFIER_SUBSCRIPTIONS" in (await answer.json())["error"]
        text = await listed.text()
        items = [(s["id"], s["source"], s["url"]) for s in (await listed.json())["items"]]
        assert items == [("sub-0", "environment", r.receiver_url), ("sub-1", "environment", r.receiver_url),
                         ("sub-1", "api", f"{elsewhere_url}/hook")]
        assert SECRET not in text
        assert elsewhere.attempts == {}  # the API's sub-1 is shadowed: never delivered to
        assert [e["subscription"] for e in logs if e["event"].startswith(SHADOWED)] == ["sub-1"]
        assert (await client.delete("/subscriptions/sub-1", headers=ADMIN)).status == 200  # the API's own
        assert [s["source"] for s in (await (await client.get("/subscriptions", headers=ADMIN)).json())["items"]
                if s["id"] == "sub-1"] == ["environment"]
        # Taken out of the environment: a notifier started without it frees the id.
        async with serving(create_app(r.settings.model_copy(update={"subscriptions": r.settings.subscriptions[:1]})),
                           port=0):
            again = await client.post("/subscriptions", headers=ADMIN,
                                      json={"id": "sub-1", "url": f"{elsewhere_url}/hook", "secret": SECRET})
            assert again.status == 201, await again.text()
