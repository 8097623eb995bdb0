"""A release whose approvals meet the count once the operator lowered it is approved, not left to expire.

Only an approval completes a count (decisions.py): a release given 2 of 3 approvals, the API then restarted with
`GREENLIGHT_API_POLICY_MIN_APPROVALS` lowered to 2, showed `approval: {required: 2, given: [two names]}` and stayed
awaiting approval until someone approved it again, or until its expiry rejected it as "no decision". The start-up
step that re-arms the timers by the policy in force (policy_rearm.py) now approves it too, naming the approvals.
"""

from __future__ import annotations

import asyncio

from services.approval.auth import digest
from services.approval.policy_rearm import TIMER_REARM
from services.approval.settings import ApprovalSettings, Role, TokenEntry
from services.shared.db.runtime import DATABASE
from services.shared.protocol import ReleaseState as S
from tests.approval.conftest import ADMIN, APPROVER, api_client, reach, staged_release
from tests.approval.fakes import FakeClock, fake_pipeline
from tests.harness import running

CAROL = TokenEntry(name="carol", roles=frozenset({Role.APPROVER}), token_sha256=digest("carol-token"))


def needing(settings: ApprovalSettings, approvals: int) -> ApprovalSettings:
    return settings.model_copy(update={"tokens": [CAROL], "policy": settings.policy.model_copy(update={
        "min_approvals": approvals, "default_expiry_seconds": 3600})})


async def test_two_of_three_approve_once_two_are_required(settings: ApprovalSettings) -> None:
    clock = FakeClock()
    async with running(fake_pipeline(settings.bus)):
        async with api_client(needing(settings, 3), clock=clock) as before:
            release_id = await staged_release(before)  # requested by dev-requester
            for approver in (APPROVER, ADMIN):
                answer = await before.post(f"/releases/{release_id}/approve", headers=approver)
                assert answer.status == 200 and (await answer.json())["state"] == "awaiting_approval"
        async with api_client(needing(settings, 2), clock=clock) as after:
            await asyncio.wait_for(after.app[TIMER_REARM].done.wait(), 20)
            # The approval, wherever the fake pipeline has taken the release since (it may be live already).
            approved = [s.event for s in await after.app[DATABASE].history(release_id, [S.APPROVED]) if not s.note]
            assert len(approved) == 1, approved
            assert sorted(approved[0].details["approvals"]) == ["dev-admin", "dev-approver"]  # one fake time: by name
            await reach(after, release_id, S.LIVE)
            again = await after.post(f"/releases/{release_id}/approve", headers=APPROVER)  # one it counted: a retry
            assert again.status == 200, await again.text()
