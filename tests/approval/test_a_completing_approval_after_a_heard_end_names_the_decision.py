"""A completing approval refused because this process already heard the release end answers the documented 409:
the state, the decision and who made it.

The `approved` that completes a count is checked against the endings this process heard before it is recorded
(`desk_records._not_ended`). That `Conflict` went out as it was: "The release has rejected: no approved can follow.",
without the `decision` and `decided_by` every other late decision's 409 carries, and the approval stayed in the
ledger.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from services.approval import decisions
from services.approval.handlers import DESK
from services.approval.policy_decisions import decide
from services.approval.settings import ApprovalSettings
from services.shared.ended import ReleaseEnded
from services.shared.events import ReleaseEvent
from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS
from tests.approval.conftest import ADMIN, APPROVER, REQUESTER, api_client, reach, staged_release
from tests.approval.fakes import fake_pipeline
from tests.approval.test_required_approvals import TWO
from tests.harness import running


async def test_a_completing_approval_after_a_heard_rejection_names_who_decided(
        settings: ApprovalSettings, monkeypatch: pytest.MonkeyPatch) -> None:
    async with api_client(settings) as client, running(fake_pipeline(settings.bus, spec=TWO)):
        release_id = await staged_release(client)  # requested by dev-requester
        first = await client.post(f"/releases/{release_id}/approve", json={"comment": "ok"}, headers=ADMIN)
        assert first.status == 200, await first.text()
        counted = decisions.count_approval

        async def expired_meanwhile(approvals: Any, bus: Any, policy: Any, waiting: ReleaseEvent, *args: Any,
                                    **kwargs: Any) -> Any:
            given = await counted(approvals, bus, policy, waiting, *args, **kwargs)
            assert await decide(client.app[DESK], waiting, S.REJECTED, "policy",
                                {"comment": "expired", "expired": True})
            with pytest.raises(ReleaseEnded):  # this process's endings queue heard it
                await asyncio.wait_for(client.app[BUS].ended.unless_ended(release_id, asyncio.Event().wait()), 10)
            return given

        monkeypatch.setattr(decisions, "count_approval", expired_meanwhile)
        answer = await client.post(f"/releases/{release_id}/approve", json={"comment": "late"}, headers=APPROVER)
        body = await answer.json()
        assert answer.status == 409, body
        assert (body["state"], body.get("decision"), body.get("decided_by")) == ("rejected", "rejected", "policy")
        await reach(client, release_id, S.REJECTED)
        detail = await (await client.get(f"/releases/{release_id}", headers=REQUESTER)).json()
        assert [g["by"] for g in detail["release"]["approval"]["given"]] == ["dev-admin"]
