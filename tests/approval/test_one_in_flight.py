"""Fifty concurrent requests for one app: exactly one is accepted, the rest are told which one won."""

from __future__ import annotations

import asyncio
from collections import Counter

from aiohttp import web
from aiohttp.test_utils import TestClient

from services.shared.db.runtime import DATABASE
from services.shared.protocol import ReleaseState
from tests.approval.conftest import REPO, REQUESTER, reach
from tests.harness import logged_events

Client = TestClient[web.Request, web.Application]


async def test_fifty_concurrent_requests_for_one_app_give_exactly_one_202(client: Client) -> None:
    async def ask() -> tuple[int, dict[str, str]]:
        response = await client.post("/releases", json={"app": "race", "repository": REPO, "commit": "main"},
                                     headers=REQUESTER)
        return response.status, await response.json()

    answers = await asyncio.wait_for(asyncio.gather(*(ask() for _ in range(50))), 30)
    assert Counter(status for status, _ in answers) == {202: 1, 409: 49}
    winner = next(body["id"] for status, body in answers if status == 202)
    assert {body["blocking_release"] for status, body in answers if status == 409} == {winner}
    # The log, not just this process, has exactly one request for the app.
    await reach(client, winner, ReleaseState.REQUESTED)
    marker = await client.post("/releases", json={"app": "marker", "repository": REPO, "commit": "main"},
                               headers=REQUESTER)
    await reach(client, (await marker.json())["id"], ReleaseState.REQUESTED)  # everything before is folded
    assert [e.release_id for e in await logged_events(client.app[DATABASE], app="race")] == [winner]
