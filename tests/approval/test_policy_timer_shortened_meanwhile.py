"""A release already awaiting approval when the operator shortens its policy's timers (a restart with a lower
GREENLIGHT_API_POLICY_DEFAULT_EXPIRY_SECONDS, auto-promotion allowed) is held to the policy in force at its new,
earlier time: an expiry of 1 h set where it was 7 days rejects it after 1 h, not 7 days; an auto-promotion allowed
meanwhile promotes it, though no promotion timer was parked when it became ready."""

from __future__ import annotations

import asyncio

from services.approval.policy_watch import POLICY_WATCH
from services.approval.settings import ApprovalSettings
from services.shared.appspec import parse_app_spec
from services.shared.db.runtime import DATABASE
from services.shared.protocol import ReleaseState as S
from tests.approval.conftest import api_client, staged_release
from tests.approval.fakes import FakeClock, fake_pipeline
from tests.harness import running

PROMOTING = parse_app_spec("approval: {auto_promotion_seconds: 1}\n")
HOUR, WEEK = 3600, 7 * 24 * 3600


def bounded(settings: ApprovalSettings, **bounds: object) -> ApprovalSettings:
    return settings.model_copy(update={"policy": settings.policy.model_copy(update=bounds)})


async def test_an_expiry_shortened_meanwhile_rejects_at_the_new_time(settings: ApprovalSettings) -> None:
    clock = FakeClock()
    async with running(fake_pipeline(settings.bus)):
        async with api_client(bounded(settings, default_expiry_seconds=WEEK), clock=clock) as before:
            release_id = await staged_release(before, app="expiry-shortened")
            await before.app[POLICY_WATCH].outcome("set")  # parked on the broker for 7 days
        clock.advance(2 * HOUR)  # past the new expiry, long before the old one
        async with api_client(bounded(settings, default_expiry_seconds=HOUR), clock=clock) as after:
            async with asyncio.timeout(20):
                await after.app[POLICY_WATCH].outcome("expired")
            latest = await after.app[DATABASE].latest(release_id)
            assert latest is not None and latest.state is S.REJECTED and latest.details["expired"] is True


async def test_an_auto_promotion_allowed_meanwhile_promotes(settings: ApprovalSettings) -> None:
    clock = FakeClock()
    async with running(fake_pipeline(settings.bus, spec=PROMOTING)):
        async with api_client(bounded(settings, default_expiry_seconds=WEEK), clock=clock) as before:
            release_id = await staged_release(before, app="promotion-allowed")
            await before.app[POLICY_WATCH].outcome("set")  # the expiry alone: promotion was not allowed
        clock.advance(60)
        allowed = bounded(settings, default_expiry_seconds=WEEK, allow_auto_promotion=True)
        async with api_client(allowed, clock=clock) as after:
            async with asyncio.timeout(20):
                await after.app[POLICY_WATCH].outcome("promoted")
            latest = await after.app[DATABASE].latest(release_id)
            assert latest is not None and latest.state in (S.APPROVED, S.SWITCHING, S.LIVE)
