"""One approver's approval sent to two API replicas at the same moment (a double click behind a load balancer, a
client retrying a request still under way): one `approved` is recorded, both answers are 200, and `approved` is
published once.

The replica that lost the record answers as to a repeated decision (decisions.py `_repeat_or_refuse`), which
publishes the recorded events the log has not echoed (`echo(release, now=True)`): meant for a client retrying after
a publish that failed, it published them at once, so it could not tell that from a winner whose publish was under
way or whose echo was not folded yet, and sent `approved` a second time (5 runs in 6), to the switcher and every
other consumer. Now it first waits for the echo as long as a publish may take. The race is forced: both replicas
build their event before either records it.
"""

from __future__ import annotations

import asyncio

import pytest

from services.approval.settings import ApprovalSettings
from services.shared.db.runtime import READ_MODEL
from services.shared.protocol import ReleaseState as S
from services.shared.settings import BusSettings
from tests.approval.conftest import APPROVER, TO_APPROVAL, advance, api_client, reach, request_release
from tests.infra import EventTap
from tests.replicas.decision_races import all_before_recording


@pytest.fixture
def settings(any_database: str, bus_settings: BusSettings) -> ApprovalSettings:
    """Made once `any_database` set GREENLIGHT_DATABASE_URL: both replicas on that one database."""
    return ApprovalSettings(dev_tokens=True, bus=bus_settings)



async def test_one_approvers_approval_on_two_replicas_is_published_once(settings: ApprovalSettings) -> None:
    async with api_client(settings) as one, api_client(settings) as two, EventTap(settings.bus) as tap:
        assert one.app[READ_MODEL].leading and not two.app[READ_MODEL].leading
        release_id = (await request_release(one, app="twice"))["id"]
        await advance(one, release_id, *TO_APPROVAL)  # by hand: nothing else moves the release
        await reach(two, release_id, S.AWAITING_APPROVAL)
        all_before_recording((S.APPROVED,), one, two)
        answers = await asyncio.gather(*(
            replica.post(f"/releases/{release_id}/approve", json={"comment": "ship"}, headers=APPROVER)
            for replica in (one, two)))
        assert [a.status for a in answers] == [200, 200], [await a.text() for a in answers]

        # Every publish of the two requests was confirmed before they answered: a later one reaches the tap after.
        marker = (await request_release(one, app="marker"))["id"]
        await tap.wait(marker, S.REQUESTED, timeout=15)
        published = tap.of(release_id, S.APPROVED)
        assert len(published) == 1, f"approved published {len(published)} times"
        await reach(two, release_id, S.APPROVED)
