"""N distinct approvers, none the requester: partial approvals are durable, visible and counted once, also
across two API replicas on one database."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from services.approval.settings import ApprovalSettings
from services.shared.appspec import parse_app_spec
from services.shared.db.runtime import DATABASE
from services.shared.protocol import ReleaseState as S
from tests.approval.conftest import ADMIN, APPROVER, REQUESTER, api_client, reach, staged_release
from tests.approval.fakes import fake_pipeline
from tests.harness import running

Client = TestClient[web.Request, web.Application]
TWO = parse_app_spec("approval: {required_approvals: 2}\n")


@pytest.fixture
async def two_needed(settings: ApprovalSettings) -> AsyncIterator[Client]:
    async with api_client(settings) as client, running(fake_pipeline(settings.bus, spec=TWO)):
        yield client


async def test_two_distinct_approvers_approve_and_the_requester_cannot_count(two_needed: Client) -> None:
    release_id = await staged_release(two_needed, headers=APPROVER)  # dev-approver requested it
    own = await two_needed.post(f"/releases/{release_id}/approve", headers=APPROVER)
    assert own.status == 403
    first = await two_needed.post(f"/releases/{release_id}/approve", json={"comment": "looks fine"}, headers=ADMIN)
    assert first.status == 200, await first.text()
    body = await first.json()
    assert body["state"] == "awaiting_approval"
    assert (body["approval"]["required"], [g["by"] for g in body["approval"]["given"]]) == (2, ["dev-admin"])
    again = await two_needed.post(f"/releases/{release_id}/approve", headers=ADMIN)  # a retry counts once
    assert [g["by"] for g in (await again.json())["approval"]["given"]] == ["dev-admin"]
    detail = await (await two_needed.get(f"/releases/{release_id}", headers=REQUESTER)).json()
    assert detail["release"]["approval"]["given"][0]["comment"] == "looks fine"
    assert detail["history"][-1]["state"] == "awaiting_approval"


async def test_the_second_approval_approves_with_both_names(settings: ApprovalSettings) -> None:
    # The requester is dev-requester; dev-approver and dev-admin are the two approvers.
    async with api_client(settings) as client, running(fake_pipeline(settings.bus, spec=TWO)):
        release_id = await staged_release(client)
        assert (await client.post(f"/releases/{release_id}/approve", headers=APPROVER)).status == 200
        second = await client.post(f"/releases/{release_id}/approve", headers=ADMIN)
        assert second.status == 200 and (await second.json())["state"] == "approved"
        await reach(client, release_id, S.LIVE)
        approved = next(s.event for s in await client.app[DATABASE].history(release_id)
                        if s.event.state is S.APPROVED)
        late = await client.post(f"/releases/{release_id}/approve", headers=APPROVER)  # the first one, repeated
        assert late.status == 200 and (await late.json())["state"] == "live"
    assert (approved.actor, approved.details["approvals"]) == ("dev-admin", ["dev-approver", "dev-admin"])


async def test_a_partial_approval_survives_a_restart_and_two_replicas_count_it_once(
        settings: ApprovalSettings) -> None:
    async with running(fake_pipeline(settings.bus, spec=TWO)):
        async with api_client(settings) as before:
            release_id = await staged_release(before)
            assert (await before.post(f"/releases/{release_id}/approve", headers=APPROVER)).status == 200
        # Two fresh replicas on the same database: the approval given before the restart still counts, and the
        # same second approval sent to both at once is counted once and approves once.
        async with api_client(settings) as one, api_client(settings) as two:
            shown = await (await one.get(f"/releases/{release_id}", headers=REQUESTER)).json()
            assert [g["by"] for g in shown["release"]["approval"]["given"]] == ["dev-approver"]
            answers = await asyncio.gather(*(c.post(f"/releases/{release_id}/approve", headers=ADMIN)
                                             for c in (one, two)))
            assert [a.status for a in answers] == [200, 200], [await a.text() for a in answers]
            await reach(one, release_id, S.LIVE)
            history = await one.app[DATABASE].history(release_id)
    approvals = [s for s in history if s.event.state is S.APPROVED]
    assert len(approvals) == 1 and approvals[0].note is None
    assert approvals[0].event.details["approvals"] == ["dev-approver", "dev-admin"]
