"""A rollback to an earlier release is approved by its request only when that release was approved once.

The request of a rollback-to-release is its approval (restore.py): someone with the approver role brings back what
had been approved before, and a rollback should not wait. But `to` may name any earlier pushed release, also one
that was rejected, aborted or failed before anyone approved it: its requester, an approver, rolled back "to" their
own rejected release and the policy approved it as them, so it went live with nobody else's approval, where asking
to approve it was 403 (four eyes). Now such a rollback waits for approvals like any release, which its requester
cannot give; one that brings back an approved release is still approved by its request
(test_rollback_to_release.py).
"""

from __future__ import annotations

import asyncio

from aiohttp import web
from aiohttp.test_utils import TestClient

from services.approval.policy_watch import POLICY_WATCH
from services.approval.settings import ApprovalSettings
from services.shared.db.runtime import DATABASE
from services.shared.protocol import ReleaseState as S
from tests.approval.conftest import ADMIN, APPROVER, api_client, reach, staged_release
from tests.approval.fakes import FakeClock, fake_pipeline
from tests.harness import running

Client = TestClient[web.Request, web.Application]


def expiring(settings: ApprovalSettings) -> ApprovalSettings:
    # An expiry for every release: its timer set tells that the release was left to a person.
    return settings.model_copy(update={"policy": settings.policy.model_copy(update={"default_expiry_seconds": 3600})})


async def test_a_rollback_to_a_rejected_release_is_not_approved_by_its_requester(settings: ApprovalSettings) -> None:
    settings = expiring(settings)
    async with api_client(settings, clock=FakeClock()) as client, running(fake_pipeline(settings.bus)):
        own = await staged_release(client, headers=APPROVER)  # requested by dev-approver
        watch = client.app[POLICY_WATCH]
        await asyncio.wait_for(watch.outcome("set"), 15)  # its expiry
        refused = await client.post(f"/releases/{own}/approve", headers=APPROVER)
        assert refused.status == 403, await refused.text()
        rejected = await client.post(f"/releases/{own}/reject", json={"comment": "no"}, headers=ADMIN)
        assert rejected.status == 200, await rejected.text()
        await reach(client, own, S.REJECTED)

        answer = await client.post("/apps/demo/rollback", json={"reason": "r", "to": own}, headers=APPROVER)
        assert answer.status == 202, await answer.text()
        rollback = (await answer.json())["id"]
        await reach(client, rollback, S.AWAITING_APPROVAL)
        # Either the policy approves it as its requester (the defect), or it sets its expiry: left to a person.
        decided = asyncio.ensure_future(reach(client, rollback, S.APPROVED))
        left = asyncio.ensure_future(watch.outcome("set", 2))
        try:
            await asyncio.wait({decided, left}, timeout=15, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (decided, left):
                task.cancel()
            await asyncio.gather(decided, left, return_exceptions=True)
        now = await client.app[DATABASE].get(rollback)
        assert now is not None and now.state is S.AWAITING_APPROVAL, now and now.state
        own_approval = await client.post(f"/releases/{rollback}/approve", headers=APPROVER)
        assert own_approval.status == 403, await own_approval.text()
        other = await client.post(f"/releases/{rollback}/approve", headers=ADMIN)
        assert other.status == 200, await other.text()
        await reach(client, rollback, S.LIVE)
