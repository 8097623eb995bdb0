"""A subscription changed the way the API says to change one ("delete it first to change it"): deleted, then added
again under its id with a new URL. An attempt to the old URL still under way answers 410 Gone after the new one was
added: that 410 is the old receiver's word, yet it disabled the new subscription (a fresh one, whose receiver never
answered anything), and the new receiver was sent nothing more until an admin enabled it. A 410 now disables a
subscription only while it still sends to the URL that answered."""

from __future__ import annotations

import asyncio

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from services.approval.app import create_app as create_api
from services.approval.hook_settings import HookSettings
from services.approval.settings import ApprovalSettings
from services.shared.protocol import ReleaseState as S
from services.shared.settings import BusSettings
from services.shared.timeouts import bounded
from tests.approval.fakes import FakeResolver
from tests.harness import serving
from tests.notifier.conftest import ADMIN, SECRET, records_of, rig, walk
from tests.notifier.receiver import Receiver
from tests.notifier.records_written import RecordsWritten

pytestmark = pytest.mark.usefixtures("loopback_subscribers")


async def test_an_old_urls_late_410_leaves_the_recreated_subscription_enabled(
        bus_settings: BusSettings, postgres_url: str, receiver: Receiver, records_written: RecordsWritten) -> None:
    requested, failed = walk("recreated-gone", "demo", S.FAILED)
    arrived, answer = asyncio.Event(), asyncio.Event()

    async def old_endpoint(request: web.Request) -> web.Response:
        await request.read()
        arrived.set()
        await answer.wait()  # answered once the subscription has been deleted and added again
        return web.Response(status=410)

    old = web.Application()
    old.router.add_post("/old", old_endpoint)
    api = create_api(ApprovalSettings(dev_tokens=True, bus=bus_settings), resolver=FakeResolver(),
                     hooks=HookSettings())

    async def old_410_handled() -> bool:
        return any(rec.last_error is not None and rec.last_error.startswith("HTTP 410")
                   for rec in await records_of(postgres_url, "recreated-gone"))

    async with serving(old, port=0) as old_url, \
            rig(bus_settings, postgres_url, receiver, subscriptions=[], allow=["127.0.0.1"]) as r, \
            TestClient(TestServer(api, host="127.0.0.1")) as client:
        made = await client.post("/subscriptions", headers=ADMIN,
                                 json={"id": "team-chat", "url": f"{old_url}/old", "secret": SECRET})
        assert made.status == 201, await made.text()
        await r.publish(requested)
        await bounded(arrived.wait(), 20)

        # The admin moves the subscription to its new receiver, as the API says: delete, then add again.
        assert (await client.delete("/subscriptions/team-chat", headers=ADMIN)).status == 200
        remade = await client.post("/subscriptions", headers=ADMIN,
                                   json={"id": "team-chat", "url": r.receiver_url, "secret": SECRET})
        assert remade.status == 201, await remade.text()
        answer.set()  # the old receiver's 410 comes now
        await records_written.until(old_410_handled, 20)

        listed = {s["id"]: s for s in (await (await client.get("/subscriptions", headers=ADMIN)).json())["items"]}
        assert listed["team-chat"]["disabled_at"] is None, (
            f"the new subscription was disabled by the old URL's 410: {listed['team-chat']}")
        await r.publish(failed)
        [delivered] = await receiver.wait_for(1, timeout=20)
    assert delivered["id"] == failed.message_id
