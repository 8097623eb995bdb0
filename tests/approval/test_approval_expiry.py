"""A release left waiting past its policy's expiry is rejected by "policy" (the deployer then frees its standby,
as after any rejection). The timer waits on the broker; the injected clock decides whether it is due."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from services.approval.policy_watch import POLICY_WATCH
from services.approval.settings import ApprovalSettings
from services.shared.appspec import parse_app_spec
from services.shared.db.runtime import DATABASE
from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS
from tests.approval.conftest import APPROVER, api_client, policy_client, reach, staged_release
from tests.approval.fakes import FakeClock, fake_pipeline
from tests.harness import running

Client = TestClient[web.Request, web.Application]
EXPIRING = parse_app_spec("approval: {expiry_seconds: 1}\n")
HOUR = 3600


@pytest.fixture
async def client(settings: ApprovalSettings, clock: FakeClock) -> AsyncIterator[Client]:
    async with policy_client(settings, EXPIRING, clock) as client:
        yield client


async def test_a_release_nobody_decides_is_rejected_when_it_expires(client: Client, clock: FakeClock) -> None:
    release_id = await staged_release(client)
    clock.advance(HOUR)
    await reach(client, release_id, S.REJECTED)
    rejected = await client.app[DATABASE].latest(release_id)
    assert rejected is not None and (rejected.actor, rejected.release.approver) == ("policy", "policy")
    assert rejected.details == {"comment": "expired: no decision within 1 s of being ready (approval policy)",
                                "expired": True, "policy": {
                                    "required_approvals": 1, "soak_seconds": 0.0, "expiry_seconds": 1.0,
                                    "auto_promotion_seconds": None, "rollback_needs_approval": False, "notes": []}}
    detail = await (await client.get(f"/releases/{release_id}", headers=APPROVER)).json()
    ready = next(e for e in detail["history"] if e["state"] == "awaiting_approval")
    assert detail["release"]["approval"]["expires_at"] > ready["occurred_at"]


async def test_a_timer_back_before_the_clock_says_it_is_due_waits_again(client: Client, clock: FakeClock) -> None:
    release_id = await staged_release(client)
    watch = client.app[POLICY_WATCH]
    await watch.outcome("early")  # the broker gave it back; by the clock it is not due yet
    assert (await client.app[DATABASE].get(release_id)).state is S.AWAITING_APPROVAL  # type: ignore[union-attr]
    clock.advance(HOUR)
    await reach(client, release_id, S.REJECTED)
    async with asyncio.timeout(10):  # the rejection is recorded (and seen) just before the watch counts it
        await watch.outcome("expired")
    assert watch.outcomes["expired"] == 1


async def test_a_decision_made_in_time_stands(client: Client, clock: FakeClock) -> None:
    release_id = await staged_release(client)
    approved = await client.post(f"/releases/{release_id}/approve", headers=APPROVER)
    assert approved.status == 200, await approved.text()
    clock.advance(HOUR)
    await client.app[POLICY_WATCH].outcome("decided")
    await reach(client, release_id, S.LIVE)
    states = [stored.event.state for stored in await client.app[DATABASE].history(release_id)]
    assert S.REJECTED not in states


async def test_the_timer_outlives_the_api_that_set_it(settings: ApprovalSettings, clock: FakeClock) -> None:
    async with running(fake_pipeline(settings.bus, spec=EXPIRING)):
        async with api_client(settings, clock=clock) as before:
            release_id = await staged_release(before)
            await before.app[POLICY_WATCH].outcome("early")  # the timer is parked on the broker again
        clock.advance(HOUR)
        async with api_client(settings, clock=clock) as after:  # a new process: nothing in memory carried over
            await reach(after, release_id, S.REJECTED)
            latest = await after.app[DATABASE].latest(release_id)
    assert latest is not None and latest.actor == "policy"


async def test_a_timer_delivered_twice_rejects_once(client: Client, clock: FakeClock) -> None:
    release_id = await staged_release(client)
    ready = await client.app[DATABASE].latest(release_id)
    assert ready is not None and ready.state is S.AWAITING_APPROVAL
    await client.app[BUS].publish(ready)  # the same message again: the approval queue gets it twice
    clock.advance(HOUR)
    await reach(client, release_id, S.REJECTED)
    await client.app[POLICY_WATCH].outcome("decided")  # the second timer found the release decided
    states = [stored.event.state for stored in await client.app[DATABASE].history(release_id)]
    assert states.count(S.REJECTED) == 1
