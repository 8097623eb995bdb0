"""Two rollbacks, or two aborts, of one release at the same moment: one change is made, both get an answer.

Two operators reacting to the same alert, or a client retrying a slow request, build the same event from the
same release; the database records the first and refuses the second (SameChange). The second used to answer
500. Now it is answered as a repeated command is: the same caller's rollback gets the release as it is now
(202), another caller's gets 409 naming who rolled it back, and an abort gets the aborted release (200), as
any repeated abort does. The race is forced: both commands build their event before either records it.
"""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient

from services.approval.handlers import DESK
from services.shared.events import ReleaseEvent
from services.shared.protocol import ReleaseState as S
from tests.approval.conftest import ADMIN, APPROVER, live_release, reach, request_release

Client = TestClient[web.Request, web.Application]
RACE_TIMEOUT = 10


def both_before_recording(client: Client, state: S) -> None:
    """Hold each command that records `state` until two have built their event: the race, every time."""
    store = client.app[DESK].store
    record, arrived, both = store.record, 0, asyncio.Event()

    async def held(event: ReleaseEvent, **kwargs: Any) -> None:
        nonlocal arrived
        if event.state is state:
            arrived += 1
            if arrived == 2:
                both.set()
            await asyncio.wait_for(both.wait(), RACE_TIMEOUT)
        await record(event, **kwargs)

    store.record = held  # type: ignore[method-assign]


async def made_once(client: Client, release_id: str, state: S) -> None:
    recorded = [s for s in await client.app[DESK].store.history(release_id) if s.event.state is state]
    assert len(recorded) == 1, recorded


async def rollback_race(client: Client) -> str:
    """A live release with a warm previous one, so that it can be rolled back."""
    first = await live_release(client)
    second = await live_release(client)
    await reach(client, first, S.SUPERSEDED)
    both_before_recording(client, S.ROLLING_BACK)
    return second


async def test_two_operators_rolling_back_at_once(client: Client, pipeline: web.Application) -> None:
    live = await rollback_race(client)
    answers = await asyncio.gather(
        client.post("/apps/demo/rollback", json={"reason": "errors up"}, headers=APPROVER),
        client.post("/apps/demo/rollback", json={"reason": "errors up"}, headers=ADMIN))
    assert sorted(a.status for a in answers) == [202, 409], [await a.text() for a in answers]
    made, refused = sorted(answers, key=lambda a: a.status)
    assert (await made.json())["id"] == live
    winner = next(s.event.actor for s in await client.app[DESK].store.history(live) if s.event.state is S.ROLLING_BACK)
    body = await refused.json()
    assert body["error"] == f"demo was already rolled back by {winner}; release {live} is now {body['state']}."
    assert body["state"] in ("rolling_back", "rolled_back")
    await reach(client, live, S.ROLLED_BACK)
    await made_once(client, live, S.ROLLING_BACK)


async def test_a_rollback_retried_while_the_first_is_under_way(client: Client, pipeline: web.Application) -> None:
    live = await rollback_race(client)
    answers = await asyncio.gather(
        *(client.post("/apps/demo/rollback", json={"reason": "errors up"}, headers=APPROVER) for _ in range(2)))
    assert [a.status for a in answers] == [202, 202], [await a.text() for a in answers]
    bodies = [await a.json() for a in answers]
    assert {b["id"] for b in bodies} == {live}
    assert {b["state"] for b in bodies} <= {"rolling_back", "rolled_back"}
    await reach(client, live, S.ROLLED_BACK)
    await made_once(client, live, S.ROLLING_BACK)


async def test_two_aborts_at_once(client: Client) -> None:
    release_id = (await request_release(client))["id"]
    await reach(client, release_id, S.REQUESTED)
    both_before_recording(client, S.FAILED)
    answers = await asyncio.gather(
        client.post(f"/releases/{release_id}/abort", json={"reason": "wrong commit"}, headers=APPROVER),
        client.post(f"/releases/{release_id}/abort", json={"reason": "wrong commit"}, headers=ADMIN))
    assert [a.status for a in answers] == [200, 200], [await a.text() for a in answers]
    for body in [await a.json() for a in answers]:
        assert (body["id"], body["state"], body["error"]["step"]) == (release_id, "failed", "abort")
    await made_once(client, release_id, S.FAILED)
