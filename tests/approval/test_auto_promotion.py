"""Opt-in auto-promotion (Argo's autoPromotionSeconds): approved by "policy" once its time has come, if every
check passed (the `analysis` the awaiting_approval event carries) and the operator allows it."""

from __future__ import annotations

from aiohttp import web
from aiohttp.test_utils import TestClient

from services.approval.policy_watch import POLICY_WATCH
from services.approval.settings import ApprovalSettings
from services.shared.appspec import parse_app_spec
from services.shared.db.runtime import DATABASE
from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS
from tests.approval.conftest import REQUESTER, api_client, reach, request_release, staged_release
from tests.approval.fakes import FakeClock, fake_pipeline
from tests.harness import running

Client = TestClient[web.Request, web.Application]
PROMOTING = parse_app_spec("approval: {auto_promotion_seconds: 1, required_approvals: 2}\n")
HOUR = 3600


def allowing(settings: ApprovalSettings) -> ApprovalSettings:
    return settings.model_copy(update={"policy": settings.policy.model_copy(update={"allow_auto_promotion": True})})


async def test_a_release_whose_checks_passed_is_promoted_when_its_time_comes(settings: ApprovalSettings) -> None:
    clock = FakeClock()
    async with api_client(allowing(settings), clock=clock) as client, \
            running(fake_pipeline(settings.bus, spec=PROMOTING)):
        release_id = await staged_release(client)
        clock.advance(HOUR)
        await reach(client, release_id, S.LIVE)
        approved = next(s.event for s in await client.app[DATABASE].history(release_id)
                        if s.event.state is S.APPROVED)
    assert (approved.actor, approved.details["auto_promoted"]) == ("policy", True)
    assert approved.details["comment"] == ("auto-promoted 1 s after being ready: every check passed "
                                           "(approval policy)")


async def test_a_release_whose_checks_were_inconclusive_is_left_to_a_person(settings: ApprovalSettings) -> None:
    clock = FakeClock()
    async with api_client(allowing(settings), clock=clock) as client:
        release_id = (await request_release(client))["id"]
        await reach(client, release_id, S.REQUESTED)
        event = await client.app[DATABASE].latest(release_id)
        assert event is not None
        # The pipeline by hand, so the awaiting_approval event can carry an inconclusive analysis, as the analysis
        # service publishes it (services/analysis/handlers.py on the `gates` branch).
        for state in (S.BUILDING, S.BUILT, S.PUSHING, S.PUSHED, S.DEPLOYING):
            event = event.next(state, actor="test", **({"spec": PROMOTING} if state is S.BUILT else {}))
            await client.app[BUS].publish(event)
        clock.advance(HOUR)
        await client.app[BUS].publish(event.next(S.AWAITING_APPROVAL, actor="test",
                                                 details={"analysis": {"verdict": "inconclusive"}}))
        await client.app[POLICY_WATCH].outcome("held")
        detail = await (await client.get(f"/releases/{release_id}", headers=REQUESTER)).json()
    assert detail["release"]["state"] == "awaiting_approval"
    assert detail["release"]["approval"]["auto_promote_at"] is not None


async def test_without_the_operators_leave_nothing_is_promoted(settings: ApprovalSettings) -> None:
    async with api_client(settings) as client, running(fake_pipeline(settings.bus, spec=PROMOTING)):
        release_id = await staged_release(client)
        detail = await (await client.get(f"/releases/{release_id}", headers=REQUESTER)).json()
    approval = detail["release"]["approval"]
    assert approval["auto_promote_at"] is None
    assert approval["notes"] == ["auto_promotion_seconds ignored (GREENLIGHT_API_POLICY_ALLOW_AUTO_PROMOTION is false)"]
