"""A release's stream that sent a terminal event as a conflict looks whether the release ended at it only while that
can still happen: once the event folded at its seq is found to be the log's (no record of a service's own is left
to forget), it looks no more. Here a switch deadline's `failed` is logged just after the switcher's `live`, both in
the log: each open stream looks once, then never again.

The first version of the looks asked the database every second for as long as the release stayed live and the
stream open, each stream on its own (found by a review, never released).
"""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from services.approval.stream_pump import RECHECK
from services.shared.db.runtime import DATABASE
from services.shared.protocol import ReleaseState as S
from services.shared.release import Colour, ReleaseError
from services.shared.runtime import BUS
from tests.approval.conftest import REQUESTER, reach
from tests.approval.sse import read_messages
from tests.db.conftest import went_live

Client = TestClient[web.Request, web.Application]
STREAMS = 3


async def test_a_stream_stops_looking_once_its_conflict_cannot_become_the_end(client: Client) -> None:
    database = client.app[DATABASE]
    events = went_live("r1", Colour.BLUE, None, app="web")
    for event in events:
        await client.app[BUS].publish(event)
    await reach(client, "r1", S.LIVE)
    looks, each_looked, looked_again = 0, asyncio.Event(), asyncio.Event()
    real = database.logged_at

    async def counting(release_id: str, seq: int) -> bool:
        nonlocal looks
        looks += 1
        if looks == STREAMS:
            each_looked.set()
        if looks > STREAMS:
            looked_again.set()
        return await real(release_id, seq)

    database.logged_at = counting  # type: ignore[method-assign]
    async with AsyncExitStack() as stack:
        opened = [await stack.enter_async_context(client.get("/releases/r1/events", headers=REQUESTER))
                  for _ in range(STREAMS)]
        assert all(r.status == 200 for r in opened)
        late = events[-2].next(S.FAILED, actor="deadline", error=ReleaseError(step="switch", reason="deadline"))
        assert late.seq == events[-1].seq
        await client.app[BUS].publish(late)
        for response in opened:
            got = await read_messages(response, 1)
            assert [(m.event, m.data["note"]) for m in got] == [("failed", "conflict")]
        await asyncio.wait_for(each_looked.wait(), 10 * RECHECK)
        with pytest.raises(TimeoutError):  # five more intervals: no stream looks again
            await asyncio.wait_for(looked_again.wait(), 5 * RECHECK)
        release = await database.get("r1")
        assert release is not None and release.state is S.LIVE
        assert not any(r.content.at_eof() for r in opened)  # still open: the release did not end
