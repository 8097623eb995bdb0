"""A subscription whose secret holds a lone surrogate (`\\ud800`: JSON can carry one, and the API accepts it) is
listed, delivered to and signed like any other, and the other subscriptions are delivered to. Stored as the API
wrote it, the row could not be read back (pydantic's JSON parser refuses a lone surrogate): `GET /subscriptions`
answered 500, the notifier failed every event for every subscriber, and could not start again."""

from __future__ import annotations

import json

import pytest
from aiohttp.test_utils import TestClient, TestServer

from services.approval.app import create_app
from services.approval.hook_settings import HookSettings
from services.approval.settings import ApprovalSettings
from services.shared.settings import BusSettings
from tests.approval.fakes import FakeResolver
from tests.harness import serving
from tests.notifier.conftest import ADMIN, rig, walk
from tests.notifier.receiver import Receiver

pytestmark = pytest.mark.usefixtures("loopback_subscribers")
ODD_SECRET = "\ud800-odd-secret-0123456789"


async def test_a_lone_surrogate_in_a_secret_breaks_no_delivery(
        bus_settings: BusSettings, postgres_url: str, receiver: Receiver) -> None:
    odd = Receiver(ODD_SECRET)
    api_app = create_app(ApprovalSettings(dev_tokens=True, bus=bus_settings), resolver=FakeResolver(),
                         hooks=HookSettings())
    async with serving(odd.app(), port=0) as odd_url, TestClient(TestServer(api_app, host="127.0.0.1")) as api:
        body = json.dumps({"id": "odd", "url": f"{odd_url}/hook", "secret": ODD_SECRET})  # "\ud800" escaped
        created = await api.post("/subscriptions", data=body,
                                 headers={**ADMIN, "Content-Type": "application/json"})
        assert created.status == 201, await created.text()
        listed = await api.get("/subscriptions", headers=ADMIN)
        assert listed.status == 200 and [s["id"] for s in (await listed.json())["items"]] == ["odd"]

        requested, = walk("odd1", "demo")
        # The notifier starts with the row stored (it reads every subscription to bind them), then delivers.
        async with rig(bus_settings, postgres_url, receiver, allow=["127.0.0.1"]) as r:
            await r.publish(requested)
            assert [d["id"] for d in await receiver.wait_for(1)] == [requested.message_id]
            assert [d["id"] for d in await odd.wait_for(1)] == [requested.message_id]
        assert odd.bad_signatures == 0 and receiver.bad_signatures == 0
        assert (await api.delete("/subscriptions/odd", headers=ADMIN)).status == 200
