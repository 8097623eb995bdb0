"""A person's approval, one of two needed, that the policy's auto-promotion overtook while it was being counted is
answered 409 naming the policy, and is not kept among the release's approvals: it did not count.

It was answered 200 with the release as it was then, as if the approval had made it, and kept in the ledger, so the
release's approval status listed it among the approvals given. (A retry of an approval that did count in the
decision completing the count is still answered 200: `test_required_approvals.py`.)
"""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from services.approval import decisions
from services.approval.handlers import DESK
from services.approval.policy_decisions import decide
from services.approval.settings import ApprovalSettings
from services.shared.events import ReleaseEvent
from services.shared.protocol import ReleaseState as S
from tests.approval.conftest import APPROVER, REQUESTER, api_client, staged_release
from tests.approval.fakes import fake_pipeline
from tests.approval.test_required_approvals import TWO
from tests.harness import running

Client = TestClient[web.Request, web.Application]


async def test_an_approval_an_auto_promotion_overtook_is_answered_409(settings: ApprovalSettings,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    async with api_client(settings) as client, running(fake_pipeline(settings.bus, spec=TWO)):
        release_id = await staged_release(client)
        counted = decisions.count_approval

        async def overtaken(approvals: Any, bus: Any, policy: Any, waiting: ReleaseEvent, *args: Any,
                            **kwargs: Any) -> Any:
            given = await counted(approvals, bus, policy, waiting, *args, **kwargs)
            assert given is None  # one of two
            assert await decide(client.app[DESK], waiting, S.APPROVED, "policy",
                                {"comment": "auto-promoted", "auto_promoted": True})
            return given

        monkeypatch.setattr(decisions, "count_approval", overtaken)
        answer = await client.post(f"/releases/{release_id}/approve", headers=APPROVER)
        body = await answer.json()
        assert answer.status == 409, body
        assert (body["decision"], body["decided_by"]) == ("approved", "policy")
        detail = await (await client.get(f"/releases/{release_id}", headers=REQUESTER)).json()
        assert [g["by"] for g in detail["release"]["approval"]["given"]] == ["policy"]  # as with no race
