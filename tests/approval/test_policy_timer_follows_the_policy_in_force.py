"""A policy timer that comes back after the operator changed the bounds (a restart with other
`GREENLIGHT_API_POLICY_*`) acts on the policy in force, the one the API shows and a person's approval meets:
a soak raised meanwhile is not bypassed by an auto-promotion parked before, and an expiry lengthened meanwhile
does not reject the release at the old, shorter time."""

from __future__ import annotations

import asyncio

from services.approval.policy_watch import POLICY_WATCH, PolicyWatch
from services.approval.settings import ApprovalSettings
from services.shared.appspec import parse_app_spec
from services.shared.db.runtime import DATABASE
from services.shared.protocol import ReleaseState as S
from tests.approval.conftest import APPROVER, api_client, staged_release
from tests.approval.fakes import FakeClock, fake_pipeline
from tests.harness import running

PROMOTING = parse_app_spec("approval: {auto_promotion_seconds: 1}\n")
HOUR = 3600


def bounded(settings: ApprovalSettings, **bounds: object) -> ApprovalSettings:
    return settings.model_copy(update={"policy": settings.policy.model_copy(update=bounds)})


async def first_outcome(watch: PolicyWatch, *names: str) -> None:
    """Until a timer had one of the outcomes `names`."""
    waits = [asyncio.ensure_future(watch.outcome(name)) for name in names]
    try:
        async with asyncio.timeout(20):
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for wait in waits:
            wait.cancel()
        await asyncio.gather(*waits, return_exceptions=True)


async def test_a_soak_raised_meanwhile_holds_an_auto_promotion_parked_before(settings: ApprovalSettings) -> None:
    clock = FakeClock()
    async with running(fake_pipeline(settings.bus, spec=PROMOTING)):
        async with api_client(bounded(settings, allow_auto_promotion=True), clock=clock) as before:
            release_id = await staged_release(before, app="soak-raised")
            await before.app[POLICY_WATCH].outcome("early")  # parked on the broker again: due in 1 s
        clock.advance(60)  # past the old promotion time, long before the new soak ends
        raised = bounded(settings, allow_auto_promotion=True, min_soak_seconds=2 * HOUR)
        async with api_client(raised, clock=clock) as after:
            watch = after.app[POLICY_WATCH]
            await first_outcome(watch, "early", "promoted")
            assert watch.outcomes["promoted"] == 0
            latest = await after.app[DATABASE].latest(release_id)
            assert latest is not None and latest.state is S.AWAITING_APPROVAL
            # As a person's approval would be: the soak in force is 2 h.
            refused = await after.post(f"/releases/{release_id}/approve", headers=APPROVER)
            assert refused.status == 409, await refused.text()


async def test_an_expiry_lengthened_meanwhile_does_not_reject_at_the_old_time(settings: ApprovalSettings) -> None:
    clock = FakeClock()
    async with running(fake_pipeline(settings.bus)):
        async with api_client(bounded(settings, default_expiry_seconds=1), clock=clock) as before:
            release_id = await staged_release(before, app="expiry-raised")
            await before.app[POLICY_WATCH].outcome("early")
        clock.advance(60)
        async with api_client(bounded(settings, default_expiry_seconds=2 * HOUR), clock=clock) as after:
            watch = after.app[POLICY_WATCH]
            await first_outcome(watch, "early", "expired")
            assert watch.outcomes["expired"] == 0
            detail = await (await after.get(f"/releases/{release_id}", headers=APPROVER)).json()
            assert detail["release"]["state"] == "awaiting_approval"
            ready = next(e for e in detail["history"] if e["state"] == "awaiting_approval")
            shown = detail["release"]["approval"]["expires_at"]
            assert shown > ready["occurred_at"]
