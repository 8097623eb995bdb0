"""Whoever requested a release cannot decide on it, unless an admin override is enabled (and recorded)."""

from __future__ import annotations

from aiohttp import web
from aiohttp.test_utils import TestClient

from services.approval.settings import ApprovalSettings
from services.shared.protocol import ReleaseState as S
from tests.approval.conftest import ADMIN, APPROVER, api_client, reach, staged_release

Client = TestClient[web.Request, web.Application]


async def test_requester_cannot_approve_or_reject_their_own_release(client: Client,
                                                                   pipeline: web.Application) -> None:
    release_id = await staged_release(client, headers=APPROVER)  # dev-approver may also request
    for decision in ("approve", "reject"):
        response = await client.post(f"/releases/{release_id}/{decision}", headers=APPROVER)
        assert response.status == 403
        assert "dev-approver requested this release" in (await response.json())["error"]
    # Without the override setting an admin is refused too.
    admin_release = await staged_release(client, app="admin-app", headers=ADMIN)
    assert (await client.post(f"/releases/{admin_release}/approve", headers=ADMIN)).status == 403
    detail = await (await client.get(f"/releases/{release_id}", headers=APPROVER)).json()
    assert detail["release"]["state"] == "awaiting_approval"


async def test_admin_override_when_enabled_is_recorded(settings: ApprovalSettings,
                                                       pipeline: web.Application) -> None:
    async with api_client(settings.model_copy(update={"allow_admin_self_approval": True})) as client:
        release_id = await staged_release(client, headers=ADMIN)
        response = await client.post(f"/releases/{release_id}/approve", json={"comment": "hotfix, alone"},
                                     headers=ADMIN)
        assert response.status == 200
        approved = await response.json()
        assert (approved["approver"], approved["admin_override"]) == ("dev-admin", True)
        await reach(client, release_id, S.APPROVED, S.LIVE)
        history = (await (await client.get(f"/releases/{release_id}", headers=ADMIN)).json())["history"]
        decision = next(e for e in history if e["state"] == "approved")
        assert decision["actor"] == "dev-admin"
        assert decision["details"].pop("decider_key").startswith("token:")  # who decided, as a rename leaves it
        assert decision["details"] == {"comment": "hotfix, alone", "admin_override": True, "policy": {
            "required_approvals": 1, "soak_seconds": 0.0, "expiry_seconds": None, "auto_promotion_seconds": None,
            "rollback_needs_approval": False, "notes": []}}
        # The override is for admins only: a non-admin requester is still refused.
        own = await staged_release(client, app="other", headers=APPROVER)
        assert (await client.post(f"/releases/{own}/approve", headers=APPROVER)).status == 403
        # An admin deciding on someone else's release is no override.
        other = await client.post(f"/releases/{own}/approve", headers=ADMIN)
        assert (await other.json())["admin_override"] is False
