"""Each decision records the approval policy it was made under (`details.policy`): the operator's bounds can change
between a release's request and its decision (a restart with other GREENLIGHT_API_POLICY_*), and the log then says
which policy the approvals met. Was: nothing recorded it; the count and soak an approval met could only be guessed
from settings nobody logged."""

from __future__ import annotations

from services.approval.policy import PolicyBounds
from services.approval.settings import ApprovalSettings
from services.shared.db.runtime import DATABASE
from services.shared.protocol import ReleaseState as S
from tests.approval.conftest import ADMIN, APPROVER, api_client, reach, staged_release, until
from tests.approval.fakes import fake_pipeline
from tests.harness import running

RAISED = "required_approvals raised to 2 (GREENLIGHT_API_POLICY_MIN_APPROVALS)"


async def test_an_approval_under_bounds_raised_since_the_request_records_them(settings: ApprovalSettings) -> None:
    raised = settings.model_copy(update={"policy": PolicyBounds(min_approvals=2)})
    async with running(fake_pipeline(settings.bus)):
        async with api_client(settings) as before:
            release_id = await staged_release(before)
        async with api_client(raised) as after:  # restarted with a higher minimum: two approvals now
            assert (await (await after.post(f"/releases/{release_id}/approve", headers=APPROVER)).json()
                    )["state"] == "awaiting_approval"
            assert (await after.post(f"/releases/{release_id}/approve", headers=ADMIN)).status == 200
            await reach(after, release_id, S.APPROVED, S.LIVE)
            approved = next(s.event for s in await after.app[DATABASE].history(release_id)
                            if s.event.state is S.APPROVED)
    assert approved.details["policy"] == {
        "required_approvals": 2, "soak_seconds": 0.0, "expiry_seconds": None, "auto_promotion_seconds": None,
        "rollback_needs_approval": False, "notes": [RAISED]}


async def test_a_rejection_records_the_policy_too(settings: ApprovalSettings) -> None:
    async with api_client(settings) as client, running(fake_pipeline(settings.bus)):
        release_id = await staged_release(client)
        assert (await client.post(f"/releases/{release_id}/reject", headers=APPROVER)).status == 200
        rejected = await until(client, lambda e: e.release_id == release_id and e.state is S.REJECTED)
    assert rejected.details["policy"]["required_approvals"] == 1
