"""Deciding twice gives the same answer and one event; other decisions and states get 409, 403 or 404."""

from __future__ import annotations

import asyncio

from aiohttp import web
from aiohttp.test_utils import TestClient

from services.approval.settings import ApprovalSettings
from services.shared.db.runtime import DATABASE
from services.shared.protocol import ReleaseState as S
from tests.approval.conftest import (
    ADMIN,
    APPROVER,
    REQUESTER,
    TO_APPROVAL,
    advance,
    api_client,
    reach,
    request_release,
    staged_release,
)
from tests.harness import logged_events

Client = TestClient[web.Request, web.Application]


async def decision_events(client: Client, release_id: str) -> list[S]:
    # A later release's request marks the point up to which the log is folded.
    marker = await request_release(client, app="marker-" + release_id[:8])
    await reach(client, marker["id"], S.REQUESTED)
    return [e.state for e in await logged_events(client.app[DATABASE])
            if e.release_id == release_id and e.state in (S.APPROVED, S.REJECTED)]


async def test_approving_twice_answers_the_same_with_one_event(client: Client,
                                                              settings: ApprovalSettings) -> None:
    # No pipeline here: the release stays approved, so both answers can be compared whole.
    release_id = (await request_release(client, app="solo"))["id"]
    await advance(client, release_id, *TO_APPROVAL)
    first = await client.post(f"/releases/{release_id}/approve", json={"comment": "ok"}, headers=APPROVER)
    again = await client.post(f"/releases/{release_id}/approve", json={"comment": "ok"}, headers=APPROVER)
    assert first.status == again.status == 200
    answer = await first.json()
    assert await again.json() == answer
    # Another approver's late approval is not theirs to claim: 409 naming who decided, still one event.
    late = await client.post(f"/releases/{release_id}/approve", headers=ADMIN)
    assert late.status == 409
    assert {k: (await late.json())[k] for k in ("state", "decision", "decided_by")} == {
        "state": "approved", "decision": "approved", "decided_by": "dev-approver"}
    # Once logged, and on a restarted instance that only knows the log, still the same answer.
    await reach(client, release_id, S.APPROVED)
    async with api_client(settings) as restarted:
        retried = await restarted.post(f"/releases/{release_id}/approve", headers=APPROVER)
        assert retried.status == 200 and await retried.json() == answer
    assert await decision_events(client, release_id) == [S.APPROVED]


async def test_concurrent_approvals_publish_one_event(client: Client, pipeline: web.Application) -> None:
    release_id = await staged_release(client)
    responses = await asyncio.wait_for(asyncio.gather(*(
        client.post(f"/releases/{release_id}/approve", json={"comment": "go"}, headers=APPROVER)
        for _ in range(20))), 30)
    bodies = [await r.json() for r in responses]
    assert {r.status for r in responses} == {200}, [b for b in bodies if "error" in b][:2]
    # The repeats answer the release as it is by then: approved or further along, never before it.
    assert {b["approver"] for b in bodies} == {"dev-approver"}
    assert {b["state"] for b in bodies} <= {"approved", "switching", "live"} and min(b["seq"] for b in bodies) == 8
    await reach(client, release_id, S.LIVE)
    assert await decision_events(client, release_id) == [S.APPROVED]


async def test_a_different_decision_or_a_wrong_state_is_409_with_the_state(client: Client) -> None:
    release = await request_release(client)
    early = await client.post(f"/releases/{release['id']}/approve", headers=APPROVER)
    assert early.status == 409
    assert (await early.json())["state"] == "requested"
    await advance(client, release["id"], *TO_APPROVAL)
    assert (await client.post(f"/releases/{release['id']}/reject", headers=APPROVER)).status == 200
    approve = await client.post(f"/releases/{release['id']}/approve", headers=APPROVER)
    assert approve.status == 409
    assert (await approve.json())["state"] == "rejected"


async def test_unknown_release_wrong_role_and_bad_body(client: Client) -> None:
    assert (await client.post("/releases/nope/approve", headers=APPROVER)).status == 404
    assert (await client.post("/releases/nope/reject", headers=REQUESTER)).status == 403  # role first
    bad = await client.post("/releases/nope/approve", json={"comment": "x", "force": True}, headers=APPROVER)
    assert bad.status == 422 and (await bad.json())["fields"][0]["loc"] == ["body", "force"]
    long = await client.post("/releases/nope/approve", json={"comment": "x" * 3000}, headers=APPROVER)
    assert long.status == 422
