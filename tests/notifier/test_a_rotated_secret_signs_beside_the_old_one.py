"""`POST /subscriptions/{id}/secret` rotates a subscription's secret without a gap: through the grace period each
delivery carries a `v1=` for the new secret and one for the old, so a receiver verifying with either accepts it;
with no grace the old one signs no more. Neither secret is ever answered or logged; only admins rotate."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient, TestServer
from structlog.testing import capture_logs

from services.approval.app import create_app as create_api
from services.approval.hook_settings import HookSettings
from services.approval.settings import ApprovalSettings
from services.shared.settings import BusSettings
from services.shared.signing import BadSignature, verify
from tests.approval.fakes import FakeResolver
from tests.notifier.conftest import ADMIN, SECRET, rig, walk
from tests.notifier.receiver import Receiver

pytestmark = pytest.mark.usefixtures("loopback_subscribers")
APPROVER = {"Authorization": "Bearer approver-token"}
NEW = "the-new-secret-of-ops-0123456789"
NEXT = "the-next-secret-of-ops-987654321"


def verifies(secret: str, body: bytes, header: str) -> bool:
    try:
        verify(secret, body, header)
    except BadSignature:
        return False
    return True


async def test_the_old_and_the_new_secret_both_verify_until_the_grace_period_ends(
        bus_settings: BusSettings, postgres_url: str, receiver: Receiver) -> None:
    api = create_api(ApprovalSettings(dev_tokens=True, bus=bus_settings), resolver=FakeResolver(),
                     hooks=HookSettings())
    during, after = walk("r1", "demo"), walk("r2", "demo")
    with capture_logs() as logs:
        async with rig(bus_settings, postgres_url, receiver, subscriptions=[]) as r, \
                TestClient(TestServer(api, host="127.0.0.1")) as client:
            created = await client.post("/subscriptions", headers=ADMIN,
                                        json={"id": "ops", "url": r.receiver_url, "secret": SECRET})
            assert created.status == 201, await created.text()
            path = "/subscriptions/ops/secret"
            assert (await client.post(path, headers=APPROVER, json={"secret": NEW})).status == 403
            assert (await client.post("/subscriptions/nobody/secret", headers=ADMIN, json={"secret": NEW})).status \
                == 404
            short = await client.post(path, headers=ADMIN, json={"secret": "short"})
            assert short.status == 422 and (await short.json())["fields"][0]["loc"] == ["body", "secret"]
            rotated = await client.post(path, headers=ADMIN, json={"secret": NEW, "grace_seconds": 3600})
            assert rotated.status == 200, await rotated.text()
            answers = [await created.text(), await rotated.text()]
            assert (await rotated.json())["previous_secret_expires_at"] is not None

            await r.publish(*during)  # the receiver still has the old secret: it accepts
            await receiver.wait_for(1)
            receiver.secret = NEXT  # ... and is then given the next one, rotated in at once
            quick = await client.post(path, headers=ADMIN, json={"secret": NEXT, "grace_seconds": 0})
            assert quick.status == 200 and (await quick.json())["previous_secret_expires_at"] is None
            answers += [await quick.text(), await (await client.get("/subscriptions", headers=ADMIN)).text()]
            await r.publish(*after)
            await receiver.wait_for(2)
    (during_body, after_body), (during_header, after_header) = receiver.bodies, receiver.signatures
    assert [verifies(s, during_body, during_header) for s in (SECRET, NEW, NEXT)] == [True, True, False]
    assert during_header.count("v1=") == 2
    assert [verifies(s, after_body, after_header) for s in (SECRET, NEW, NEXT)] == [False, False, True]
    assert after_header.count("v1=") == 1
    shown = [*answers, *(repr(e) for e in logs)]
    assert [s for s in (SECRET, NEW, NEXT) if any(s in text for text in shown)] == []
    assert receiver.bad_signatures == 0
