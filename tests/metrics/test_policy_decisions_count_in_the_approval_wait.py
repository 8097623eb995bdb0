"""`greenlight_approval_wait_seconds` counts the decisions the approval policy makes, not only people's.

Its help says "time from awaiting_approval to the decision", but only a person's approve or reject through the
API was observed: a release rejected by its expiry (the longest waits of all) or approved by auto-promotion was
left out, so the histogram showed approvals as quicker than they were and a pile of expiring releases not at all.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from prometheus_client.parser import text_string_to_metric_families

from services.approval.policy_watch import POLICY_WATCH
from services.approval.settings import ApprovalSettings
from services.shared.appspec import parse_app_spec
from services.shared.protocol import ReleaseState as S
from tests.approval.conftest import policy_client, reach, staged_release
from tests.approval.fakes import FakeClock

Client = TestClient[web.Request, web.Application]
EXPIRING = parse_app_spec("approval: {expiry_seconds: 1}\n")


@pytest.fixture
async def client(settings: ApprovalSettings, clock: FakeClock) -> AsyncIterator[Client]:
    async with policy_client(settings, EXPIRING, clock) as client:
        yield client


async def test_an_expired_release_counts_as_a_rejection(client: Client, clock: FakeClock) -> None:
    release_id = await staged_release(client)
    clock.advance(3600)
    await reach(client, release_id, S.REJECTED)
    async with asyncio.timeout(10):  # observed with the decision, which the watch counts just after
        await client.app[POLICY_WATCH].outcome("expired")
    samples = {(s.name, tuple(sorted(s.labels.items()))): s.value
               for family in text_string_to_metric_families(await (await client.get("/metrics")).text())
               for s in family.samples}
    assert samples.get(("greenlight_approval_wait_seconds_count", (("decision", "rejected"),))) == 1.0
