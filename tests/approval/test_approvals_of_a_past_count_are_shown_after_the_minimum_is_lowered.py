"""A release approved by a count of several approvals still shows every approval it got once the operator lowered
`GREENLIGHT_API_POLICY_MIN_APPROVALS` (a restart).

The approval status read the ledger only when the policy in force needs several approvals: after a restart with the
minimum lowered to 1, a release that two people approved showed `approval.given` with the last approver alone, as
if one person had approved it, though its `approved` event names both.
"""

from __future__ import annotations

from services.approval.settings import ApprovalSettings
from services.shared.protocol import ReleaseState as S
from tests.approval.conftest import ADMIN, APPROVER, REQUESTER, api_client, reach, staged_release
from tests.approval.fakes import FakeClock, fake_pipeline
from tests.approval.test_approvals_that_meet_a_lowered_minimum_approve_the_release import needing
from tests.harness import running


async def test_both_approvers_are_shown_after_the_minimum_is_lowered(settings: ApprovalSettings) -> None:
    clock = FakeClock()
    async with running(fake_pipeline(settings.bus)):
        async with api_client(needing(settings, 2), clock=clock) as before:
            release_id = await staged_release(before)  # requested by dev-requester
            for approver in (APPROVER, ADMIN):
                answer = await before.post(f"/releases/{release_id}/approve", headers=approver)
                assert answer.status == 200, await answer.text()
            await reach(before, release_id, S.APPROVED, S.SWITCHING, S.LIVE)
        async with api_client(needing(settings, 1), clock=clock) as after:
            await reach(after, release_id, S.LIVE)
            detail = await (await after.get(f"/releases/{release_id}", headers=REQUESTER)).json()
            assert sorted(g["by"] for g in detail["release"]["approval"]["given"]) == ["dev-admin", "dev-approver"]
