"""A subscription whose secret holds a lone surrogate (`\\ud800`: JSON can carry one, and the API accepted it until
it refused such a secret, test_a_secret_no_receiver_can_encode_is_refused.py) is listed, delivered to and signed
like any other, and the other subscriptions are delivered to. Stored as the API wrote it, the row could not be read
back (pydantic's JSON parser refuses a lone surrogate): `GET /subscriptions` answered 500, the notifier failed every
event for every subscriber, and could not start again."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient, TestServer

from services.approval.app import create_app
from services.approval.hook_settings import HookSettings
from services.approval.settings import ApprovalSettings
from services.approval.sql import SQL
from services.shared.settings import BusSettings
from services.shared.subscriptions import SubscriptionSpec, SubscriptionTable
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
        # Stored as the API stored it before it refused such a secret: a row made then is still in the table.
        await SubscriptionTable(await api.app[SQL].get()).add(
            SubscriptionSpec.model_validate({"id": "odd", "url": f"{odd_url}/hook", "secret": ODD_SECRET}))
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
