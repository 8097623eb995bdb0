"""A rollback-to-release whose checks did not pass is left to a person, and then expires like any release.

Its request is its approval only when the checks before approval passed; otherwise it waits for a person
(policy_watch.py). It used to wait without the policy's timers, so the operator's expiry (and auto-promotion)
never applied to it, although the API showed an `expires_at`. Now its timers are set whenever it is left to a
person, so it is rejected by "policy" once it expires, as test_approval_expiry.py pins for other releases.
"""

from __future__ import annotations

from aiohttp import web
from aiohttp.test_utils import TestClient

from services.approval.settings import ApprovalSettings
from services.shared.db.runtime import DATABASE
from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS
from tests.approval.conftest import APPROVER, api_client, reach, request_release
from tests.approval.fakes import FakeClock

Client = TestClient[web.Request, web.Application]
HOUR = 3600
DIGEST = "sha256:" + "d" * 64
TO_PUSHED = ((S.BUILDING, {}), (S.BUILT, {"image": f"registry.local/demo@{DIGEST}"}), (S.PUSHING, {}),
             (S.PUSHED, {"digest": DIGEST}))
INCONCLUSIVE = {"analysis": {"verdict": "inconclusive"}}


def expiring(settings: ApprovalSettings) -> ApprovalSettings:
    # The operator's default expiry: no release waits for a decision longer than a second.
    return settings.model_copy(update={"policy": settings.policy.model_copy(update={"default_expiry_seconds": 1})})


async def walk(client: Client, release_id: str, steps: tuple[tuple[S, dict[str, object]], ...]) -> None:
    """Publish the pipeline's events by hand, so that nothing else moves the release."""
    await reach(client, release_id, S.REQUESTED)
    event = await client.app[DATABASE].latest(release_id)
    assert event is not None
    for state, changes in steps:
        event = event.next(state, actor="test", **changes)
        await client.app[BUS].publish(event)
    await reach(client, release_id, steps[-1][0])


async def test_a_rollback_to_release_left_to_a_person_expires(settings: ApprovalSettings) -> None:
    clock = FakeClock()
    async with api_client(expiring(settings), clock=clock) as client:
        # An earlier release with a pushed image, aborted: something to roll back to, and nothing in flight.
        source = (await request_release(client))["id"]
        await walk(client, source, TO_PUSHED)
        aborted = await client.post(f"/releases/{source}/abort", json={"reason": "r"}, headers=APPROVER)
        assert aborted.status == 200, await aborted.text()

        answer = await client.post("/apps/demo/rollback", json={"reason": "r", "to": source}, headers=APPROVER)
        assert answer.status == 202, await answer.text()
        rollback = (await answer.json())["id"]
        await walk(client, rollback, (*TO_PUSHED, (S.DEPLOYING, {}), (S.AWAITING_APPROVAL, {"details": INCONCLUSIVE})))

        clock.advance(HOUR)
        await reach(client, rollback, S.REJECTED)
        rejected = await client.app[DATABASE].latest(rollback)
        assert rejected is not None and (rejected.actor, rejected.details["expired"]) == ("policy", True)
