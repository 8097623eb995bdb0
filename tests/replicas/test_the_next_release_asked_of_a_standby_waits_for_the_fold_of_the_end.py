"""A client that saw a release end on the log (AMQP) asks for the app's next release at once, and the request lands
on an API replica that stands by (k8s/approval.yaml runs two): the leader's batch holding that end is being
committed. README: "A new release whose app's last release ended in an event still being folded waits for that
fold instead of answering 409". The projecting replica waits (`ReleaseDatabase.settle`); the standby, which heard the
end itself on its own endings queue (`bus.ended`), answered 409 at once naming a release that is over.
"""

from __future__ import annotations

import asyncio

import pytest

from services.approval.settings import ApprovalSettings
from services.shared.db.runtime import DATABASE, READ_MODEL
from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS
from services.shared.settings import BusSettings
from tests.approval.conftest import REPO, REQUESTER, api_client, reach, request_release
from tests.harness import HeldFold, waiting_signal


@pytest.fixture
def settings(any_database: str, bus_settings: BusSettings) -> ApprovalSettings:
    """Made once `any_database` set GREENLIGHT_DATABASE_URL: both replicas on that one database."""
    return ApprovalSettings(dev_tokens=True, bus=bus_settings)


async def test_the_next_release_asked_of_a_standby_waits_for_the_leaders_fold_of_the_end(
        settings: ApprovalSettings) -> None:
    async with api_client(settings) as leader, api_client(settings) as standby:
        assert leader.app[READ_MODEL].leading and not standby.app[READ_MODEL].leading
        first = (await request_release(leader, app="next"))["id"]
        await reach(standby, first, S.REQUESTED)
        requested = await leader.app[DATABASE].latest(first)
        assert requested is not None

        heard = asyncio.Event()  # the standby's own endings queue delivered the end, as the client's AMQP did
        ended = standby.app[BUS].ended
        ended_as = ended.ended_as

        def spy(release_id: str, state: str) -> None:
            ended_as(release_id, state)
            if release_id == first:
                heard.set()

        ended.ended_as = spy  # type: ignore[method-assign]
        fold = HeldFold(leader.app[DATABASE])
        building = requested.next(S.BUILDING, actor="builder")
        for event in (building, building.next(S.FAILED, actor="builder", details={"reason": "lint"})):
            await leader.app[BUS].publish(event)
        await asyncio.wait_for(asyncio.gather(fold.held.wait(), heard.wait()), 10)
        assert (await standby.app[DATABASE].in_flight("next")).id == first  # type: ignore[union-attr]

        entered = waiting_signal(standby.app[DATABASE])
        asking = asyncio.ensure_future(standby.post(
            "/releases", json={"app": "next", "repository": REPO, "commit": "a" * 40}, headers=REQUESTER))
        entered_wait = asyncio.ensure_future(entered.wait())
        try:
            await asyncio.wait([asking, entered_wait], timeout=10, return_when=asyncio.FIRST_COMPLETED)
        finally:
            entered_wait.cancel()
        fold.release.set()
        response = await asyncio.wait_for(asking, 10)
        assert response.status == 202, await response.text()
        assert (await standby.app[DATABASE].in_flight("next")).id == (await response.json())["id"]  # type: ignore[union-attr]
