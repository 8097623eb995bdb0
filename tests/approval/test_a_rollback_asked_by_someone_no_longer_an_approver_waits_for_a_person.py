"""A rollback to an earlier release is approved by its request only while its requester may still approve.

The request of a rollback-to-release stands for its approval (restore.py): only an approver may make it. But the
policy approved it as its requester once it was ready, whoever held that name by then: carol asked for a rollback,
her token was removed (revoked, say, because it leaked) and the API restarted before the rollback was ready, and
the rollback went live approved "by carol". An approval in a count stops counting once its name no longer holds the
approver role (approvals.py); the request's approval now does too, and the rollback waits for a person.
"""

from __future__ import annotations

import asyncio

from services.approval.auth import digest
from services.approval.policy_watch import POLICY_WATCH
from services.approval.settings import ApprovalSettings, Role, TokenEntry
from services.shared.db.runtime import DATABASE
from services.shared.protocol import ReleaseState as S
from tests.approval.conftest import APPROVER, api_client, live_release, reach
from tests.approval.fakes import FakeClock, fake_pipeline
from tests.harness import running

CAROL = TokenEntry(name="carol", roles=frozenset({Role.APPROVER}), token_sha256=digest("carol-token"))


def expiring(settings: ApprovalSettings) -> ApprovalSettings:
    # An expiry for every release: its timer set tells that the release was left to a person.
    return settings.model_copy(update={"policy": settings.policy.model_copy(update={"default_expiry_seconds": 3600})})


async def test_a_rollback_whose_requester_was_removed_is_not_approved_by_the_request(
        settings: ApprovalSettings) -> None:
    hold = asyncio.Event()
    hold.set()
    async with running(fake_pipeline(settings.bus, hold=hold)):
        async with api_client(settings.model_copy(update={"tokens": [CAROL]})) as before:
            first = await live_release(before)
            await live_release(before)
            hold.clear()  # the rollback stops after `built`, before it is ready for approval
            answer = await before.post("/apps/demo/rollback", json={"reason": "r", "to": first},
                                       headers={"Authorization": "Bearer carol-token"})
            assert answer.status == 202, await answer.text()
            rollback = (await answer.json())["id"]
            await reach(before, rollback, S.BUILT)
        # carol's token removed: the API restarted without it.
        async with api_client(expiring(settings), clock=FakeClock()) as after:
            watch = after.app[POLICY_WATCH]
            hold.set()
            await reach(after, rollback, S.AWAITING_APPROVAL)
            # Either the policy approves it as carol (the defect), or it sets its expiry: left to a person.
            decided = asyncio.ensure_future(reach(after, rollback, S.APPROVED))
            left = asyncio.ensure_future(watch.outcome("set"))
            try:
                await asyncio.wait({decided, left}, timeout=15, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for task in (decided, left):
                    task.cancel()
                await asyncio.gather(decided, left, return_exceptions=True)
            now = await after.app[DATABASE].get(rollback)
            assert now is not None and now.state is S.AWAITING_APPROVAL, now and (now.state, now.approver)
            other = await after.post(f"/releases/{rollback}/approve", headers=APPROVER)
            assert other.status == 200, await other.text()
            await reach(after, rollback, S.LIVE)
