"""A subscription added by an admin through the API is delivered to by the notifier (one database); its
secret is never answered; only admins may manage subscriptions; bad ones get field errors."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient, TestServer

from services.approval.app import create_app
from services.approval.hook_settings import HookSettings
from services.approval.settings import ApprovalSettings
from services.shared.protocol import ReleaseState as S
from services.shared.settings import BusSettings
from tests.approval.fakes import FakeResolver
from tests.notifier.conftest import SECRET, rig, walk
from tests.notifier.receiver import Receiver

# The receivers (and URL) are on 127.0.0.1: GREENLIGHT_NOTIFIER_ALLOW_PRIVATE_HOSTS names it for the API and for
# any notifier these tests build from the environment.
pytestmark = pytest.mark.usefixtures("loopback_subscribers")
ADMIN = {"Authorization": "Bearer admin-token"}
APPROVER = {"Authorization": "Bearer approver-token"}


async def test_an_api_subscription_is_delivered_to_and_its_secret_never_shown(
        bus_settings: BusSettings, postgres_url: str, receiver: Receiver) -> None:
    app = create_app(ApprovalSettings(dev_tokens=True, bus=bus_settings), resolver=FakeResolver(),
                     hooks=HookSettings())
    # A witness for app `other`: its delivery of r6's last event shows r6's earlier events were all handled
    # (one release's events are handled in order), so a wrong one to `ops` would have arrived by then. It also
    # puts r6's awaiting_approval in the queue (bound per subscription), a state `ops` wants of another app:
    # the notifier's own filter must give it to the witness alone.
    witness = {"apps": ["other"], "states": ["awaiting_approval", "rejected"]}
    async with rig(bus_settings, postgres_url, receiver, subscriptions=[witness]) as r, \
            TestClient(TestServer(app, host="127.0.0.1")) as api:
        body = {"id": "ops", "url": r.receiver_url, "secret": SECRET, "apps": ["demo"],
                "states": ["awaiting_approval", "failed"]}
        assert (await api.post("/subscriptions", json=body, headers=APPROVER)).status == 403
        created = await api.post("/subscriptions", json=body, headers=ADMIN)
        assert created.status == 201, await created.text()
        assert (await api.post("/subscriptions", json=body, headers=ADMIN)).status == 409
        bad = await api.post("/subscriptions", json={**body, "id": "x", "states": ["building"], "secret": "short"},
                             headers=ADMIN)
        assert bad.status == 422
        assert {tuple(f["loc"])[:2] for f in (await bad.json())["fields"]} == {("body", "states"), ("body", "secret")}
        listed = await (await api.get("/subscriptions", headers=ADMIN)).text()
        assert SECRET not in listed and '"id":"ops"' in listed

        demo = walk("r5", "demo", S.BUILDING, S.FAILED)
        other = walk("r6", "other", S.BUILDING, S.BUILT, S.PUSHING, S.PUSHED, S.DEPLOYING, S.AWAITING_APPROVAL,
                     S.REJECTED)
        await r.publish(*demo, *other)
        for last in (demo[-1], other[-1]):
            await receiver.wait_attempts(last.message_id, 1)
        # demo's `failed` only to `ops`: not `requested`, nor `other`'s awaiting_approval (r6/7), which `ops`
        # would match but for its apps (a second r6/7 would be that); r6/7 and r6/8 are the witness's.
        assert sorted(d["id"] for d in receiver.accepted) == ["r5/3", "r6/7", "r6/8"]

        assert (await api.delete("/subscriptions/ops", headers=ADMIN)).status == 200
        assert (await api.delete("/subscriptions/ops", headers=ADMIN)).status == 404
