"""The app's next release asked of the projecting replica whose endings queue heard the last release end before its
projector's stream delivered that end (two consumers of one publish, delivered independently; the client that saw
the end on the log is a third) waits for the fold, as a standby now does (desk_records.py `check_free`). The
standby's wait (`_after_the_leaders_fold`) is taken only `not self.store.projecting`; the leader asks `settle`,
which waits only for an end already delivered to its projector, and answered 409 at once naming a release that is
over, though its own endings queue said so."""

from __future__ import annotations

import asyncio

from aiohttp import web
from aiohttp.test_utils import TestClient

from services.shared.db.runtime import DATABASE, READ_MODEL
from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS
from tests.approval.conftest import REPO, REQUESTER, reach, request_release
from tests.harness import waiting_signal

Client = TestClient[web.Request, web.Application]


async def test_the_next_release_asked_of_the_leader_waits_for_the_fold_of_an_end_it_heard(client: Client) -> None:
    database, bus = client.app[DATABASE], client.app[BUS]
    assert client.app[READ_MODEL].leading
    first = (await request_release(client, app="heard"))["id"]
    await reach(client, first, S.REQUESTED)
    requested = await database.latest(first)
    assert requested is not None
    building = requested.next(S.BUILDING, actor="builder")
    await bus.publish(building)
    await reach(client, first, S.BUILDING)
    failed = building.next(S.FAILED, actor="builder", details={"reason": "lint"})
    bus.ended.add(failed)  # the endings queue delivered it; the projector's stream has not yet

    entered = waiting_signal(database)
    asking = asyncio.ensure_future(client.post(
        "/releases", json={"app": "heard", "repository": REPO, "commit": "b" * 40}, headers=REQUESTER))
    entered_wait = asyncio.ensure_future(entered.wait())
    try:
        await asyncio.wait([asking, entered_wait], timeout=10, return_when=asyncio.FIRST_COMPLETED)
    finally:
        entered_wait.cancel()
    await bus.publish(failed)  # the stream delivers the end now
    response = await asyncio.wait_for(asking, 10)
    assert response.status == 202, await response.text()
