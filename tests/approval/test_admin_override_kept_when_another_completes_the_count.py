"""An admin's approval of their own release (the override, when enabled) that counts as one of several required
approvals keeps the override on the record when someone else gives the last one: the `approved` event used to
say `admin_override: false`, as if the requester had approved nobody's release but their own, and the audit
trail lost that the requester's own approval made up the count."""

from __future__ import annotations

from services.approval.settings import ApprovalSettings
from services.shared.appspec import parse_app_spec
from services.shared.protocol import ReleaseState as S
from tests.approval.conftest import ADMIN, APPROVER, api_client, reach, staged_release
from tests.approval.fakes import fake_pipeline
from tests.harness import running

TWO = parse_app_spec("approval: {required_approvals: 2}\n")


async def test_the_requesters_own_approval_keeps_the_override_on_the_record(settings: ApprovalSettings,
                                                                             test_id: str) -> None:
    overriding = settings.model_copy(update={"allow_admin_self_approval": True})
    async with api_client(overriding) as client, running(fake_pipeline(settings.bus, spec=TWO)):
        release_id = await staged_release(client, app=f"own-{test_id}", headers=ADMIN)  # dev-admin requested it
        own = await client.post(f"/releases/{release_id}/approve", headers=ADMIN)
        assert own.status == 200 and (await own.json())["state"] == "awaiting_approval"
        last = await client.post(f"/releases/{release_id}/approve", headers=APPROVER)
        assert last.status == 200, await last.text()
        await reach(client, release_id, S.APPROVED)
        history = (await (await client.get(f"/releases/{release_id}", headers=ADMIN)).json())["history"]
    decision = next(e for e in history if e["state"] == "approved")
    assert decision["details"]["approvals"] == ["dev-admin", "dev-approver"]
    assert decision["details"]["admin_override"] is True, decision["details"]
