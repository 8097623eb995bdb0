"""A requester whose token is renamed (the same secret) is still the requester: refused as the requester is, 403 in
the same shape. Was: alice requested a release, her token was renamed `alice.smith`, and her approval was accepted.
The `requested` event records the requester's caller key, a keyed hash that shows neither the token nor its sha256;
a token rotated (a new secret, the same name) is still refused by its name; an admin's override is still recorded;
a rollback to an earlier release that waits for approvals is refused to its renamed requester too."""

from __future__ import annotations

import json

from services.approval.auth import digest
from services.approval.settings import ApprovalSettings, Role, TokenEntry
from services.shared.db.runtime import DATABASE
from services.shared.protocol import ReleaseState as S
from tests.approval.conftest import ADMIN, APPROVER, api_client, live_release, reach, staged_release
from tests.approval.fakes import fake_pipeline
from tests.harness import running

MAY_ASK_AND_APPROVE = frozenset({Role.REQUESTER, Role.APPROVER})


def tokens(settings: ApprovalSettings, name: str, token: str, roles: frozenset[Role] = MAY_ASK_AND_APPROVE,
           **more: object) -> ApprovalSettings:
    entry = TokenEntry(name=name, roles=roles, token_sha256=digest(token))
    return settings.model_copy(update={"tokens": [entry], **more})


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_a_renamed_or_rotated_requester_is_refused(settings: ApprovalSettings) -> None:
    async with running(fake_pipeline(settings.bus)):
        async with api_client(tokens(settings, "alice", "alice-token")) as client:
            release_id = await staged_release(client, headers=bearer("alice-token"))
            own = await client.post(f"/releases/{release_id}/approve", headers=bearer("alice-token"))
            assert own.status == 403
            own_body = await own.json()
            requested = (await client.app[DATABASE].history(release_id))[0].event
        async with api_client(tokens(settings, "alice.smith", "alice-token")) as client:
            for decision in ("approve", "reject"):
                renamed = await client.post(f"/releases/{release_id}/{decision}", headers=bearer("alice-token"))
                assert renamed.status == 403
                body = await renamed.json()
                assert body.keys() == own_body.keys()
                assert body["error"] == (f"alice.smith requested this release (as alice), so someone else must "
                                         f"{decision} it.")
        async with api_client(tokens(settings, "alice", "alice-new-token")) as client:
            rotated = await client.post(f"/releases/{release_id}/approve", headers=bearer("alice-new-token"))
            assert (rotated.status, await rotated.json()) == (403, own_body)
            assert (await client.app[DATABASE].latest(release_id)).state is S.AWAITING_APPROVAL  # type: ignore[union-attr]
            # Someone else may.
            other = await client.post(f"/releases/{release_id}/approve", headers=APPROVER)
            assert other.status == 200, await other.text()
            await reach(client, release_id, S.LIVE)
    # What the request recorded names no token: neither the token nor the digest the configuration holds.
    recorded = json.dumps(requested.details)
    assert requested.details["requester_key"] and "alice-token" not in recorded
    assert digest("alice-token") not in recorded and digest("alice-token")[:32] not in recorded


async def test_a_renamed_admins_override_is_recorded(settings: ApprovalSettings) -> None:
    async with running(fake_pipeline(settings.bus)):
        async with api_client(tokens(settings, "root", "root-token", frozenset(Role))) as client:
            release_id = await staged_release(client, headers=bearer("root-token"))
        renamed = tokens(settings, "root.ops", "root-token", frozenset(Role), allow_admin_self_approval=True)
        async with api_client(renamed) as client:
            answer = await client.post(f"/releases/{release_id}/approve", headers=bearer("root-token"))
            assert answer.status == 200, await answer.text()
            approved = await answer.json()
            assert (approved["approver"], approved["admin_override"]) == ("root.ops", True)
            await reach(client, release_id, S.LIVE)


async def test_a_renamed_requester_of_a_rollback_to_a_release_is_refused(settings: ApprovalSettings) -> None:
    waits = settings.policy.model_copy(update={"rollbacks_need_approval": True})
    async with running(fake_pipeline(settings.bus)):
        async with api_client(tokens(settings, "alice", "alice-token", policy=waits)) as client:
            first = await live_release(client)
            await live_release(client)
            asked = await client.post("/apps/demo/rollback", json={"reason": "r", "to": first},
                                      headers=bearer("alice-token"))
            assert asked.status == 202, await asked.text()
            rollback = (await asked.json())["id"]
            await reach(client, rollback, S.AWAITING_APPROVAL)
        async with api_client(tokens(settings, "alice.smith", "alice-token", policy=waits)) as client:
            renamed = await client.post(f"/releases/{rollback}/approve", headers=bearer("alice-token"))
            assert renamed.status == 403, await renamed.text()
            assert (await renamed.json())["error"].startswith("alice.smith requested this release (as alice)")
            other = await client.post(f"/releases/{rollback}/approve", headers=ADMIN)
            assert other.status == 200, await other.text()
            await reach(client, rollback, S.LIVE)
