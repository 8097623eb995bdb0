"""An approval on one API replica and a rejection on another, at the same moment: one is recorded, and the other is
answered as any late decision is: 409 with the state, the decision made and who made it.

Asked a moment later, the loser gets "The release was already rejected by dev-admin; it is now rejected." with
`decision` and `decided_by` (decisions.py `_repeat_or_refuse`). Losing the race on the record instead answered "The
release changed meanwhile (it is rejected now); reload and retry." with neither: the decision the client lost to
went unnamed, and it was told to retry a decision that could never be made. The race is forced: both replicas build
their event before either records it.
"""

from __future__ import annotations

import asyncio

import pytest

from services.approval.settings import ApprovalSettings
from services.shared.db.runtime import READ_MODEL
from services.shared.protocol import ReleaseState as S
from services.shared.settings import BusSettings
from tests.approval.conftest import ADMIN, APPROVER, TO_APPROVAL, advance, api_client, reach, request_release
from tests.replicas.decision_races import all_before_recording

DECISIONS = (S.APPROVED, S.REJECTED)


@pytest.fixture
def settings(any_database: str, bus_settings: BusSettings) -> ApprovalSettings:
    """Made once `any_database` set GREENLIGHT_DATABASE_URL: both replicas on that one database."""
    return ApprovalSettings(dev_tokens=True, bus=bus_settings)



async def test_the_loser_of_two_opposite_decisions_is_told_who_decided(settings: ApprovalSettings) -> None:
    async with api_client(settings) as one, api_client(settings) as two:
        assert one.app[READ_MODEL].leading and not two.app[READ_MODEL].leading
        release_id = (await request_release(one, app="opposite"))["id"]
        await advance(one, release_id, *TO_APPROVAL)  # by hand: nothing else moves the release
        await reach(two, release_id, S.AWAITING_APPROVAL)
        all_before_recording(DECISIONS, one, two)

        answers = await asyncio.gather(
            one.post(f"/releases/{release_id}/approve", json={"comment": "ship"}, headers=APPROVER),
            two.post(f"/releases/{release_id}/reject", json={"comment": "no"}, headers=ADMIN))

        assert sorted(a.status for a in answers) == [200, 409], [await a.text() for a in answers]
        made, refused = sorted(answers, key=lambda a: a.status)
        won = S((await made.json())["state"])
        winner = "dev-approver" if won is S.APPROVED else "dev-admin"
        body = await refused.json()
        # As a decision made a moment later is answered (README: "409 with its state, the decision and who made it").
        assert (body.get("state"), body.get("decision"), body.get("decided_by")) == (won.value, won.value, winner), body
        assert body["error"] == f"The release was already {won.value} by {winner}; it is now {won.value}.", body
