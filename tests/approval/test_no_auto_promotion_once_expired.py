"""An auto-promotion timer that comes back once the release's expiry has passed rejects it as expired, not
approves it: the operator's maximum expiry (GREENLIGHT_API_POLICY_MAX_EXPIRY_SECONDS) can put the expiry before
the promotion an app asks for, and the expiry's own timer can be late (a restart whose re-arm has not run, a work
queue behind). Before, the late promotion approved a release the API already showed as expired, which a person
could no longer approve."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from services.approval.policy_timers import PROMOTE
from services.approval.policy_watch import POLICY_WATCH
from services.approval.settings import ApprovalSettings
from services.shared.appspec import parse_app_spec
from services.shared.db.runtime import DATABASE
from services.shared.protocol import ReleaseState as S
from tests.approval.conftest import api_client, reach, staged_release
from tests.approval.fakes import FakeClock, fake_pipeline
from tests.harness import running

Client = TestClient[web.Request, web.Application]
PROMOTING = parse_app_spec("approval: {auto_promotion_seconds: 1200}\n")
HOUR = 3600


@pytest.fixture
async def client(settings: ApprovalSettings, clock: FakeClock) -> AsyncIterator[Client]:
    # Expiry 10 minutes (parked on the broker that long in real time: it does not come back during the test),
    # promotion 20 minutes.
    bounds = settings.policy.model_copy(update={"allow_auto_promotion": True, "max_expiry_seconds": 600})
    async with api_client(settings.model_copy(update={"policy": bounds}), clock=clock) as client, \
            running(fake_pipeline(settings.bus, spec=PROMOTING)):
        yield client


async def test_a_promotion_back_after_the_expiry_rejects_as_expired(client: Client, clock: FakeClock) -> None:
    release_id = await staged_release(client)
    watch = client.app[POLICY_WATCH]
    async with asyncio.timeout(10):
        await watch.outcome("set", 2)  # expiry and promotion parked
    waiting = await client.app[DATABASE].latest(release_id)
    assert waiting is not None and waiting.state is S.AWAITING_APPROVAL
    clock.advance(HOUR)  # past both; the promotion comes back first (in a second), the expiry is late
    due = waiting.occurred_at + timedelta(seconds=1200)
    await watch.timers.schedule(waiting, PROMOTE, due, due)
    await reach(client, release_id, S.REJECTED, S.APPROVED, S.SWITCHING, S.LIVE)
    decided = await client.app[DATABASE].latest(release_id)
    assert decided is not None and decided.state is S.REJECTED, decided.state
    assert (decided.actor, decided.details["expired"]) == ("policy", True)
