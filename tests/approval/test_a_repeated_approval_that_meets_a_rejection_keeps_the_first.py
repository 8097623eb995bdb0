"""An approval repeated (a double click, a client's retry) while someone rejects the release does not take away the
approval its first request gave while the release awaited approval.

The repeat meets its approval already in the ledger (nothing recorded), then reads the release again: rejected in
between, so it is answered 409 as a late decision, and the approval "recorded meanwhile" was withdrawn, though it
was the first request's, answered 200 "1 of 2" before the rejection: the rejected release's `approval.given` and
`GET /releases?approver=` lost it.
"""

from __future__ import annotations

import asyncio

from services.approval.handlers import DESK
from services.approval.settings import ApprovalSettings
from services.shared.protocol import ReleaseState as S
from tests.approval.conftest import ADMIN, APPROVER, REQUESTER, api_client, reach, staged_release
from tests.approval.fakes import fake_pipeline
from tests.approval.test_partial_approval_on_a_release_decided_meanwhile import TWO, HeldAfterRecording
from tests.harness import running


async def test_a_repeated_approval_that_meets_a_rejection_keeps_the_first(any_database: str,
                                                                         settings: ApprovalSettings) -> None:
    assert settings.database.url.get_secret_value() == any_database  # the ledger's row matched by time on both
    async with api_client(settings) as client, running(fake_pipeline(settings.bus, spec=TWO)):
        release_id = await staged_release(client)  # requested by dev-requester
        first = await client.post(f"/releases/{release_id}/approve", json={"comment": "ok"}, headers=APPROVER)
        assert first.status == 200 and (await first.json())["state"] == "awaiting_approval", await first.text()
        desk = client.app[DESK]
        desk.approvals = held = HeldAfterRecording(desk.approvals)
        repeated = asyncio.ensure_future(client.post(f"/releases/{release_id}/approve", json={"comment": "ok"},
                                                     headers=APPROVER))
        try:
            await asyncio.wait_for(held.recorded.wait(), 10)
            rejected = await client.post(f"/releases/{release_id}/reject", json={"comment": "no"}, headers=ADMIN)
            assert rejected.status == 200, await rejected.text()
        finally:
            held.go.set()
        answer = await asyncio.wait_for(repeated, 10)
        assert answer.status == 409, await answer.text()
        await reach(client, release_id, S.REJECTED)
        detail = await (await client.get(f"/releases/{release_id}", headers=REQUESTER)).json()
        assert [g["by"] for g in detail["release"]["approval"]["given"]] == ["dev-approver"]
