"""An approval that completes the count, but meets a rejection recorded between its count and its `approved`, is
answered 409 and is not kept in the approvals ledger.

With an app that needs two approvals, the second approval is recorded in `greenlight_approvals`, then its `approved`
is recorded and published. When the expiry (or another approver's rejection) landed in between, the approver got
409, but their approval stayed in the ledger: it showed in the rejected release's `approval.given` and under
`GET /releases?approver=`, though the release never got it while it awaited approval.
"""

from __future__ import annotations

from typing import Any

import pytest

from services.approval import decisions
from services.approval.handlers import DESK
from services.approval.policy_decisions import decide
from services.approval.settings import ApprovalSettings
from services.shared.events import ReleaseEvent
from services.shared.protocol import ReleaseState as S
from tests.approval.conftest import ADMIN, APPROVER, REQUESTER, api_client, reach, staged_release
from tests.approval.fakes import fake_pipeline
from tests.approval.test_required_approvals import TWO
from tests.harness import running


async def test_a_completing_approval_that_lost_to_the_expiry_is_not_kept(settings: ApprovalSettings,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    async with api_client(settings) as client, running(fake_pipeline(settings.bus, spec=TWO)):
        release_id = await staged_release(client)  # requested by dev-requester
        first = await client.post(f"/releases/{release_id}/approve", json={"comment": "ok"}, headers=ADMIN)
        assert first.status == 200, await first.text()
        counted = decisions.count_approval

        async def expired_meanwhile(approvals: Any, bus: Any, policy: Any, waiting: ReleaseEvent, *args: Any,
                                    **kwargs: Any) -> Any:
            given = await counted(approvals, bus, policy, waiting, *args, **kwargs)
            assert given is not None  # two of two: this approval completes the count
            assert await decide(client.app[DESK], waiting, S.REJECTED, "policy",
                                {"comment": "expired", "expired": True})
            return given

        monkeypatch.setattr(decisions, "count_approval", expired_meanwhile)
        answer = await client.post(f"/releases/{release_id}/approve", json={"comment": "late"}, headers=APPROVER)
        assert answer.status == 409, await answer.text()
        await reach(client, release_id, S.REJECTED)
        detail = await (await client.get(f"/releases/{release_id}", headers=REQUESTER)).json()
        assert [g["by"] for g in detail["release"]["approval"]["given"]] == ["dev-admin"]
        listed = await (await client.get("/releases", params={"approver": "dev-approver"}, headers=REQUESTER)).json()
        assert release_id not in [item["id"] for item in listed["items"]]
