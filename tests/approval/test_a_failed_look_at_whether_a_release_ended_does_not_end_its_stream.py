"""A release's stream that looks whether the release ended at a terminal event it sent as a conflict rides out a
failed look (the database away a moment, a PostgreSQL restart), as its feed does: it neither ends nor fails.

A failed look ended the stream's pump and the stream with it, with nothing logged (its error gathered away), and
pushed the client to reconnect into the outage. (Found by a review of the looks' first version, never released.)
"""

from __future__ import annotations

from aiohttp import web
from aiohttp.test_utils import TestClient

from services.shared.db.runtime import DATABASE
from services.shared.protocol import ReleaseState as S
from services.shared.release import Colour, ReleaseError
from services.shared.runtime import BUS
from tests.approval.conftest import REQUESTER, reach
from tests.approval.sse import read_messages
from tests.db.conftest import went_live

Client = TestClient[web.Request, web.Application]


async def test_a_database_blip_during_a_recheck_does_not_end_an_open_stream(client: Client) -> None:
    database = client.app[DATABASE]
    events = went_live("r1", Colour.BLUE, None, app="web")
    for event in events:
        await client.app[BUS].publish(event)
    await reach(client, "r1", S.LIVE)
    real, blips = database.ended_at, 0

    async def away(release_id: str) -> int | None:
        nonlocal blips
        if blips == 0 and streams_open:
            blips += 1
            raise OSError("connection refused")  # one failed read: a PostgreSQL restart, say
        return await real(release_id)

    streams_open = False
    database.ended_at = away  # type: ignore[method-assign]
    async with client.get("/releases/r1/events", headers=REQUESTER) as live:
        assert live.status == 200
        streams_open = True
        late = events[-2].next(S.FAILED, actor="deadline", error=ReleaseError(step="switch", reason="deadline"))
        await client.app[BUS].publish(late)
        got = await read_messages(live, 1)
        assert [(m.event, m.data["note"]) for m in got] == [("failed", "conflict")]
        try:
            rest = await read_messages(live, timeout=3)
        except TimeoutError:
            rest = None  # still open: as it should be
        assert blips == 1 and rest is None, (f"the stream of a live release ended after one failed look "
                                             f"(blips={blips}, rest={rest}, eof={live.content.at_eof()})")
