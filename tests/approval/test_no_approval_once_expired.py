"""An approval once the release's policy expiry has passed is refused (409 saying when it expired), as one before
its soak ends is: the API shows `expires_at`, "rejected automatically at this time if still waiting", and the
rejection is the broker timer's to make. Before, the API accepted the approval and the release went live whenever
that timer had not fired yet: an expiry shortened by a restart whose re-arm had not run (or could not, with the
database or the broker away), a work queue behind, or the second the delay queue rounds up to."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from services.approval.handlers import DESK
from services.approval.policy_watch import POLICY_WATCH
from services.approval.settings import ApprovalSettings
from services.shared.appspec import parse_app_spec
from services.shared.db.runtime import DATABASE
from services.shared.protocol import ReleaseState as S
from tests.approval.conftest import ADMIN, APPROVER, policy_client, reach, staged_release
from tests.approval.fakes import FakeClock

Client = TestClient[web.Request, web.Application]
# Parked on the broker for 10 minutes of real time: it does not come back during the test, whatever the clock says.
EXPIRING = parse_app_spec("approval: {required_approvals: 2, expiry_seconds: 600}\n")
HOUR = 3600


@pytest.fixture
async def client(settings: ApprovalSettings, clock: FakeClock) -> AsyncIterator[Client]:
    async with policy_client(settings, EXPIRING, clock) as client:
        yield client


async def test_an_approval_after_the_expiry_is_refused_and_counts_for_nothing(client: Client,
                                                                             clock: FakeClock) -> None:
    release_id = await staged_release(client)
    await client.app[POLICY_WATCH].outcome("set")  # its expiry timer is parked, not due for 10 minutes
    first = await client.post(f"/releases/{release_id}/approve", headers=APPROVER)
    assert first.status == 200, await first.text()  # in time: 1 of 2
    shown = (await (await client.get(f"/releases/{release_id}", headers=APPROVER)).json())["release"]["approval"]
    expires_at = datetime.fromisoformat(shown["expires_at"])
    clock.at = expires_at
    late = await client.post(f"/releases/{release_id}/approve", headers=ADMIN)
    assert late.status == 409, await late.text()
    body = await late.json()
    assert body["state"] == "awaiting_approval" and "expired" in body["error"], body
    assert expires_at.isoformat() in body["error"]
    # Not counted either: the ledger holds the approval given in time only.
    assert [g.by for g in await client.app[DESK].approvals.given(release_id)] == ["dev-approver"]
    clock.advance(HOUR)
    assert (await client.post(f"/releases/{release_id}/approve", headers=ADMIN)).status == 409
    # A rejection is still anyone's to make: it is what the expiry does anyway.
    rejected = await client.post(f"/releases/{release_id}/reject", headers=ADMIN)
    assert rejected.status == 200, await rejected.text()
    await reach(client, release_id, S.REJECTED)
    states = [stored.event.state for stored in await client.app[DATABASE].history(release_id)]
    assert S.APPROVED not in states
