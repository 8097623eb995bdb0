"""An approval counted toward several while someone else rejected the release is answered as a late one.

A release needing two approvals records each in the ledger (`Approvals.give`) and answers "1 of 2, awaiting
approval" until the count is reached. The state it answers with was read before the approval was recorded: when
another approver rejected the release in between, the approver was told 200, "awaiting approval, 1 of 2 given"
(Slack: "1 more needed") for a release that was already rejected, and the ledger kept the approval on it. Now the
release is read again after the approval is recorded: 409 naming the rejection and who made it, as for any decision
that comes after another, and the approval is not kept.
"""

from __future__ import annotations

import asyncio
from datetime import datetime

from services.approval.approvals import Approvals
from services.approval.handlers import DESK
from services.approval.settings import ApprovalSettings
from services.shared.appspec import parse_app_spec
from services.shared.protocol import ReleaseState as S
from services.shared.release import Release
from tests.approval.conftest import ADMIN, APPROVER, REQUESTER, api_client, reach, staged_release
from tests.approval.fakes import fake_pipeline
from tests.harness import running

TWO = parse_app_spec("approval: {required_approvals: 2}\n")


class HeldAfterRecording(Approvals):
    """The ledger, holding an approval just after it is recorded, until the test lets it go on."""

    def __init__(self, real: Approvals) -> None:
        super().__init__(real.engine)
        self.recorded = asyncio.Event()
        self.go = asyncio.Event()

    async def give(self, release: Release, by: str, at: datetime, comment: str | None, key: str | None = None) -> bool:
        made = await super().give(release, by, at, comment, key)
        self.recorded.set()
        await self.go.wait()
        return made


async def test_an_approval_held_past_a_rejection_is_refused_and_not_kept(settings: ApprovalSettings) -> None:
    async with api_client(settings) as client, running(fake_pipeline(settings.bus, spec=TWO)):
        release_id = await staged_release(client)  # requested by dev-requester
        desk = client.app[DESK]
        desk.approvals = held = HeldAfterRecording(desk.approvals)
        approving = asyncio.ensure_future(client.post(f"/releases/{release_id}/approve", json={"comment": "ok"},
                                                      headers=APPROVER))
        try:
            await asyncio.wait_for(held.recorded.wait(), 10)
            rejected = await client.post(f"/releases/{release_id}/reject", json={"comment": "no"}, headers=ADMIN)
            assert rejected.status == 200, await rejected.text()
        finally:
            held.go.set()
        answer = await asyncio.wait_for(approving, 10)
        assert answer.status == 409, await answer.text()
        body = await answer.json()
        assert (body["state"], body["decision"], body["decided_by"]) == ("rejected", "rejected", "dev-admin")
        await reach(client, release_id, S.REJECTED)
        detail = await (await client.get(f"/releases/{release_id}", headers=REQUESTER)).json()
        assert detail["release"]["approval"]["given"] == []
