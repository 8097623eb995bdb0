"""A soak time: no approval before it ends (409 saying when it opens); a rejection is possible at once."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from services.approval.settings import ApprovalSettings
from services.shared.appspec import parse_app_spec
from services.shared.protocol import ReleaseState as S
from tests.approval.conftest import ADMIN, APPROVER, policy_client, reach, staged_release
from tests.approval.fakes import FakeClock

Client = TestClient[web.Request, web.Application]
SOAKED = parse_app_spec("approval: {soak_seconds: 600}\n")


@pytest.fixture
async def soaking(settings: ApprovalSettings, clock: FakeClock) -> AsyncIterator[Client]:
    async with policy_client(settings, SOAKED, clock) as client:
        yield client


async def test_an_approval_before_the_soak_ends_is_refused_with_the_time_it_opens(soaking: Client,
                                                                                 clock: FakeClock) -> None:
    release_id = await staged_release(soaking)
    early = await soaking.post(f"/releases/{release_id}/approve", headers=APPROVER)
    assert early.status == 409
    body = await early.json()
    detail = await (await soaking.get(f"/releases/{release_id}", headers=APPROVER)).json()
    ready = next(e for e in detail["history"] if e["state"] == "awaiting_approval")
    opens = datetime.fromisoformat(body["opens_at"])
    assert (opens - datetime.fromisoformat(ready["occurred_at"])).total_seconds() == 600
    assert body["state"] == "awaiting_approval" and "soaking" in body["error"]
    assert 590 < int(early.headers["Retry-After"]) <= 610  # the clock started as the test did
    assert detail["release"]["approval"]["soak_ends_at"] == body["opens_at"]
    clock.at = opens - timedelta(seconds=1)
    assert (await soaking.post(f"/releases/{release_id}/approve", headers=APPROVER)).status == 409
    clock.at = opens
    approved = await soaking.post(f"/releases/{release_id}/approve", headers=APPROVER)
    assert approved.status == 200, await approved.text()
    await reach(soaking, release_id, S.LIVE)


async def test_a_rejection_needs_no_soak(soaking: Client) -> None:
    release_id = await staged_release(soaking)
    rejected = await soaking.post(f"/releases/{release_id}/reject", json={"comment": "wrong build"}, headers=ADMIN)
    assert rejected.status == 200 and (await rejected.json())["state"] == "rejected"
