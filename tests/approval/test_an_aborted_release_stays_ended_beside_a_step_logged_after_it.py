"""An abort recorded while the step it races is in the log but not folded yet (the projector lingers over
intermediate steps; the test holds its fold) ends the release for good. The worker's step at the abort's seq is
stored as a conflict; its next step, published before the worker heard of the abort, continued that conflicting
twin and was folded (fold_release.py): the aborted release was in flight again in the read model, and the app took
no new release (`analysing` is in no step's deadline, so nothing ever failed it again). Failed on the old code, both
databases. (A first version widened the projector's linger to aim at the window, and met a fold that came first.)
"""

from __future__ import annotations

import asyncio

from aiohttp import web
from aiohttp.test_utils import TestClient

from services.approval.settings import ApprovalSettings
from services.shared.db.runtime import DATABASE
from services.shared.protocol import ReleaseState as S
from services.shared.release import Colour
from services.shared.runtime import BUS
from tests.approval.conftest import APPROVER, REPO, REQUESTER, advance, api_client, reach, request_release
from tests.harness import HeldFold

Client = TestClient[web.Request, web.Application]


async def test_an_aborted_release_does_not_come_back_in_flight(settings: ApprovalSettings, any_database: str) -> None:
    async with api_client(settings) as client:
        database = client.app[DATABASE]
        release_id = (await request_release(client, app="demo"))["id"]
        await advance(client, release_id, S.BUILDING, S.BUILT, S.PUSHING, S.PUSHED)
        pushed = await database.latest(release_id)
        assert pushed is not None and pushed.state is S.PUSHED
        # The deployer stages the standby and hands it to analysis, neither having heard of any abort yet; the
        # projector has both delivered and folds neither before the abort is recorded (it lingers over
        # intermediate steps; held here, where the linger is a matter of milliseconds).
        deploying = pushed.next(S.DEPLOYING, actor="deployer", standby_colour=Colour.GREEN)
        analysing = deploying.next(S.ANALYSING, actor="deployer")
        held = HeldFold(database)
        try:
            with database.watching(release_id) as delivered:
                await client.app[BUS].publish(deploying)
                await client.app[BUS].publish(analysing)
                async with asyncio.timeout(10):
                    while len(database.arrived(release_id)) < 2:
                        delivered.clear()
                        await delivered.wait()
            aborted = await client.post(f"/releases/{release_id}/abort", json={"reason": "wrong commit"},
                                        headers=APPROVER)
        finally:
            held.release.set()
        assert aborted.status == 200, await aborted.text()
        assert (await aborted.json())["state"] == "failed"
        marker = await request_release(client, app="marker")
        await reach(client, marker["id"], S.REQUESTED)  # everything logged before it is folded

        shown = await database.get(release_id)
        history = [(s.event.seq, s.event.state.value, s.note) for s in await database.history(release_id)]
        again = await client.post("/releases", json={"app": "demo", "repository": REPO, "commit": "main"},
                                  headers=REQUESTER)
        answer = (again.status, await again.json())
        assert shown is not None and shown.state is S.FAILED and again.status == 202, (
            shown and shown.state.value, history, answer)
        # Both steps are kept in the history, neither folded.
        assert history[-2:] == [(6, "deploying", "conflict"),
                                (7, "analysing", "illegal transition failed -> analysing")]
