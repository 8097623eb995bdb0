"""One approval of several on a release this process heard end, though the read model shows it awaiting approval, is
a 409 and is not kept in the approvals ledger.

The end is heard on the endings queue before the read model folds it: a twin `failed` at the seq of the kept
`awaiting_approval` (two analysis replicas handed one message), which is never folded, or another replica's
rejection this one has not folded yet. A completing approval was refused there ("The release has failed: no approved
can follow."), but one that did not complete the count was recorded in the ledger and answered 200 "1 of 2 given,
awaiting approval": the approver was told their approval counted toward a release every service had seen end.
"""

from __future__ import annotations

from services.approval.settings import ApprovalSettings
from services.shared.bus import Bus
from services.shared.db.runtime import DATABASE
from services.shared.protocol import ReleaseState as S
from services.shared.release import ReleaseError
from services.shared.runtime import BUS
from tests.approval.conftest import APPROVER, REQUESTER, api_client, staged_release
from tests.approval.fakes import fake_pipeline
from tests.approval.test_required_approvals import TWO
from tests.harness import running


async def test_a_partial_approval_of_a_release_heard_failed_is_refused(settings: ApprovalSettings) -> None:
    async with api_client(settings) as client, running(fake_pipeline(settings.bus, spec=TWO)):
        release_id = await staged_release(client)  # requested by dev-requester
        bus: Bus = client.app[BUS]
        # The twin `failed` at the same seq as the kept `awaiting_approval`: heard by every process, kept apart here.
        twin = (await client.app[DATABASE].history(release_id, [S.AWAITING_APPROVAL]))[-1].event
        bus.ended.add(twin.model_copy(update={"state": S.FAILED, "release": twin.release.model_copy(update={
            "state": S.FAILED, "error": ReleaseError(step="analysis", reason="p99 above 300 ms")})}))

        answer = await client.post(f"/releases/{release_id}/approve", json={"comment": "ok"}, headers=APPROVER)

        body = await answer.json()
        assert answer.status == 409, body
        assert (body["error"], body["state"]) == ("The release has failed: no approved can follow.", "failed")
        detail = await (await client.get(f"/releases/{release_id}", headers=REQUESTER)).json()
        assert detail["release"]["approval"]["given"] == []
