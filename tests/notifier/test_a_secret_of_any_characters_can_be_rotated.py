"""A subscription's secret is kept in its spec as JSON, so any str is stored: a NUL (which PostgreSQL's text refuses
as it is) or a lone surrogate (stored before the API refused them). Rotating such a secret kept the replaced one as
it was in `greenlight_subscription_states.previous_secret`: on PostgreSQL a 500 ("invalid byte sequence for encoding
UTF8: 0x00"), the logged traceback's parameters holding the secret, and no way to rotate but delete and re-create.
Now the replaced secret is kept as JSON too: the rotation answers 200 and the old secret signs beside the new one."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient, TestServer
from structlog.testing import capture_logs

from services.approval.app import create_app as create_api
from services.approval.hook_settings import HookSettings
from services.approval.settings import ApprovalSettings
from services.shared.settings import BusSettings
from services.shared.signing import verify
from tests.approval.fakes import FakeResolver
from tests.notifier.conftest import ADMIN, rig, subscribe, walk
from tests.notifier.receiver import Receiver

pytestmark = pytest.mark.usefixtures("loopback_subscribers")
NEW = "the-new-secret-of-ops-0123456789"


@pytest.mark.parametrize("old", ["nul\x00secret-0123456789", "lone\ud800secret-0123456789"], ids=["nul", "surrogate"])
async def test_the_replaced_secret_signs_beside_the_new_one(
        bus_settings: BusSettings, postgres_url: str, old: str) -> None:
    receiver = Receiver(old)  # not told of the rotation yet
    api = create_api(ApprovalSettings(dev_tokens=True, bus=bus_settings), resolver=FakeResolver(),
                     hooks=HookSettings())
    [requested] = walk("r1", "demo")
    with capture_logs() as logs:
        async with rig(bus_settings, postgres_url, receiver, subscriptions=[]) as r, \
                TestClient(TestServer(api, host="127.0.0.1")) as client:
            # Stored and bound as the API does it (a lone surrogate: as it did before it refused one).
            await subscribe(r, id="ops", url=r.receiver_url, secret=old)
            rotated = await client.post("/subscriptions/ops/secret", headers=ADMIN,
                                        json={"secret": NEW, "grace_seconds": 3600})
            assert rotated.status == 200, await rotated.text()
            await r.publish(requested)
            [delivered] = await receiver.wait_for(1)
    assert delivered["id"] == requested.message_id
    [body], [header] = receiver.bodies, receiver.signatures
    assert header.count("v1=") == 2
    verify(NEW, body, header)  # raises unless the new secret signed too
    assert [e for e in logs if e.get("exc_info") or "secret" in str(e.get("error", ""))] == []
