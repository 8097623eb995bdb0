"""POST /releases/{id}/abort: an approver ends an in-flight release with a reason; the app is free at once, the
history says who and why, and work under way publishes nothing more."""

from __future__ import annotations

import asyncio

from services.approval.settings import ApprovalSettings
from services.shared.db.runtime import DATABASE
from services.shared.protocol import ReleaseState as S
from tests.approval.conftest import ADMIN, APPROVER, REQUESTER, api_client, reach, request_release, staged_release
from tests.approval.fakes import fake_pipeline
from tests.harness import running


async def test_abort_ends_a_staged_release_and_frees_the_app(settings: ApprovalSettings, pipeline) -> None:  # type: ignore[no-untyped-def]
    async with api_client(settings) as client:
        release_id = await staged_release(client)
        refused = await client.post(f"/releases/{release_id}/abort", json={"reason": "x"}, headers=REQUESTER)
        no_reason = await client.post(f"/releases/{release_id}/abort", json={}, headers=APPROVER)
        response = await client.post(f"/releases/{release_id}/abort", json={"reason": "wrong commit"},
                                     headers=APPROVER)
        body = await response.json()
        again = await client.post(f"/releases/{release_id}/abort", json={"reason": "wrong commit"}, headers=ADMIN)
        again_body = await again.json()
        await reach(client, release_id, S.FAILED)
        history = [stored.event for stored in await client.app[DATABASE].history(release_id)]
        next_release = await request_release(client)  # the app is free again
        await reach(client, next_release["id"], S.AWAITING_APPROVAL)
        live = await client.post(f"/releases/{next_release['id']}/approve", headers=APPROVER)
        assert live.status == 200
        await reach(client, next_release["id"], S.LIVE)
        not_in_flight = await client.post(f"/releases/{next_release['id']}/abort", json={"reason": "late"},
                                          headers=APPROVER)
        late = await not_in_flight.json()
    assert refused.status == 403 and no_reason.status == 422
    assert response.status == 200 and body["state"] == "failed"
    assert body["error"] == {"step": "abort", "reason": "aborted by dev-approver: wrong commit", "log_tail": None}
    assert again.status == 200 and again_body["id"] == release_id
    assert [e.state for e in history][-2:] == [S.AWAITING_APPROVAL, S.FAILED]
    assert history[-1].actor == "dev-approver" and history[-1].details["reason"] == "wrong commit"
    assert not_in_flight.status == 409 and "not in flight" in late["error"]


async def test_work_under_way_stops_at_the_next_safe_point(settings: ApprovalSettings) -> None:
    hold = asyncio.Event()  # the fake pipeline pauses every release after `built`
    async with running(fake_pipeline(settings.bus, hold=hold)), api_client(settings) as client:
        first = await request_release(client)
        await reach(client, first["id"], S.BUILT)
        response = await client.post(f"/releases/{first['id']}/abort", json={"reason": "stop"}, headers=ADMIN)
        assert response.status == 200
        hold.set()  # the paused step goes on and tries to publish `pushing` for an aborted release
        second = await request_release(client)
        await reach(client, second["id"], S.AWAITING_APPROVAL)
        # Every event the log got for it, folded or not (a late one would be kept with a note).
        states = [stored.event.state for stored in await client.app[DATABASE].history(first["id"])]
    assert states == [S.REQUESTED, S.BUILDING, S.BUILT, S.FAILED]
