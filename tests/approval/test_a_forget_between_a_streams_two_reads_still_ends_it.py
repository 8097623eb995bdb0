"""A release's stream ends when the desk's record is forgotten during its look at whether the release ended at the
conflict it sent, which is two reads: whether the seq's folded event is the log's, then whether the release ended.

Read in the other order, a forget between them made the first say "not ended" (the record still stood) and the
second "the folded event is the log's": the stream stopped looking and stayed open although its release had ended
(found by a review of the first version, never released). The forget runs before the first read, or between them.
"""

from __future__ import annotations

import asyncio

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from services.shared.db.runtime import DATABASE
from services.shared.protocol import ReleaseState as S
from services.shared.release import ReleaseError
from services.shared.runtime import BUS
from tests.approval.conftest import REQUESTER, reach
from tests.approval.sse import read_messages
from tests.db.conftest import HAPPY, chain

Client = TestClient[web.Request, web.Application]


@pytest.mark.parametrize("read", ["logged_at", "ended_at"], ids=["forget-before-both", "forget-between"])
async def test_a_forget_during_a_look_ends_the_stream(client: Client, read: str) -> None:
    database = client.app[DATABASE]
    events = chain("r1", states=HAPPY)  # through awaiting_approval
    for event in events:
        await client.app[BUS].publish(event)
    await reach(client, "r1", S.AWAITING_APPROVAL)
    staged = events[-1]
    approved = staged.next(S.APPROVED, actor="ann")
    await database.record(approved, strict=True)  # the desk's record; its publish will be nacked
    real, forgotten, done, armed = getattr(database, read), asyncio.Event(), asyncio.Event(), asyncio.Event()

    async def forget_first(release_id: str, *seq: int) -> object:
        if armed.is_set() and not forgotten.is_set():  # the nack's forget lands just before this read
            forgotten.set()
            await database.forget(approved)
            done.set()
        return await real(release_id, *seq)

    setattr(database, read, forget_first)
    async with client.get("/releases/r1/events", headers=REQUESTER) as response:
        assert response.status == 200
        deadline = staged.next(S.FAILED, actor="deadline", error=ReleaseError(step="approval", reason="expired"))
        await client.app[BUS].publish(deadline)
        got = await read_messages(response, 1)
        assert [(m.event, m.data["note"]) for m in got] == [("failed", "conflict")]
        armed.set()
        await asyncio.wait_for(done.wait(), 10)
        release = await database.get("r1")
        history = [(h.event.seq, h.event.state.value, h.offset, h.note) for h in await database.history("r1")]
        # The release ended at the event the stream sent.
        assert release is not None and release.state is S.FAILED, history[-3:]
        try:
            await asyncio.wait_for(response.content.read(), 8)  # until the stream ends
            ended = True
        except TimeoutError:
            ended = False
        assert ended, "the release ended (failed) but its stream is still open 8 s later"
