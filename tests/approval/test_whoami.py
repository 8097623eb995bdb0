"""`GET /me` says who the token is and which operations it may call; a required comment is enforced."""

from __future__ import annotations

from aiohttp import web
from aiohttp.test_utils import TestClient

from services.approval.settings import ApprovalSettings
from tests.approval.conftest import ADMIN, APPROVER, REQUESTER, api_client, staged_release

Client = TestClient[web.Request, web.Application]


async def test_each_dev_identity_is_told_what_it_may_do(client: Client) -> None:
    requester = await (await client.get("/me", headers=REQUESTER)).json()
    assert requester["name"] == "dev-requester" and requester["roles"] == ["requester"]
    assert "create_release" in requester["may"]
    assert not {"approve_release", "reject_release", "rollback_app"} & set(requester["may"])
    approver = await (await client.get("/me", headers=APPROVER)).json()
    assert {"approve_release", "reject_release", "rollback_app", "create_release"} <= set(approver["may"])
    assert approver["decide_own_releases"] is False
    admin = await (await client.get("/me", headers=ADMIN)).json()
    assert admin["roles"] == ["admin", "approver", "requester"]
    assert admin["decision_comment_required"] is False
    assert admin["replicas_read"] is False  # no platform read (GREENLIGHT_API_COLOUR_FACTS off)


async def test_a_wrong_token_is_401(client: Client) -> None:
    response = await client.get("/me", headers={"Authorization": "Bearer nope"})
    assert response.status == 401


async def test_the_admin_override_and_required_comment_are_reported_and_enforced(
        settings: ApprovalSettings, pipeline: web.Application) -> None:
    strict = settings.model_copy(update={"allow_admin_self_approval": True, "require_decision_comment": True})
    async with api_client(strict) as client:
        admin = await (await client.get("/me", headers=ADMIN)).json()
        assert (admin["decide_own_releases"], admin["decision_comment_required"]) == (True, True)
        release_id = await staged_release(client, headers=REQUESTER)
        bare = await client.post(f"/releases/{release_id}/approve", headers=APPROVER, json={"comment": "  "})
        assert bare.status == 422
        assert (await bare.json())["fields"] == [{"loc": ["body", "comment"], "msg": "a comment is required: say why"}]
        said = await client.post(f"/releases/{release_id}/approve", headers=APPROVER, json={"comment": "checked"})
        assert said.status == 200, await said.text()
