"""A decision on a release no longer awaiting approval tells the truth: who decided, and where it is now."""

from __future__ import annotations

from aiohttp import web
from aiohttp.test_utils import TestClient

from services.shared.protocol import ReleaseState as S
from tests.approval.conftest import ADMIN, APPROVER, live_release, reach

Client = TestClient[web.Request, web.Application]


async def test_approving_a_live_release_again_is_409_with_who_decided(client: Client,
                                                                     pipeline: web.Application) -> None:
    release_id = await live_release(client)
    late = await client.post(f"/releases/{release_id}/approve", json={"comment": "lgtm"}, headers=ADMIN)
    assert late.status == 409
    body = await late.json()
    assert (body["state"], body["decision"], body["decided_by"]) == ("live", "approved", "dev-approver")
    assert "already approved by dev-approver" in body["error"]
    reject = await client.post(f"/releases/{release_id}/reject", headers=APPROVER)
    assert reject.status == 409 and (await reject.json())["decision"] == "approved"


async def test_the_same_approver_repeating_gets_the_current_snapshot(client: Client,
                                                                    pipeline: web.Application) -> None:
    release_id = await live_release(client)
    await reach(client, release_id, S.LIVE)
    again = await client.post(f"/releases/{release_id}/approve", headers=APPROVER)
    assert again.status == 200
    body = await again.json()
    # Not the `approved` snapshot of earlier: the release as it stands now.
    assert (body["state"], body["approver"], body["seq"]) == ("live", "dev-approver", 10)
