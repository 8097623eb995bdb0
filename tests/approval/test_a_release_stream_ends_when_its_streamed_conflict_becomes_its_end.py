"""A release's open stream ends when the release ended at an event the stream sent as a conflict.

The desk records a decision before publishing it; a log event of another service at the same seq is then folded as a
conflict (note "conflict") and streamed so. When the desk's publish is refused (the release's end heard meanwhile, a
nack), `forget` folds that log event as the release's own, at the offset it was streamed at (the test forgets
directly, as the refused publish does). When it is the release's end, the stream that sent it as a conflict stayed
open on pings for as long as its client did, holding one of its identity's streams. Failed on the old code.
"""

from __future__ import annotations

from aiohttp import web
from aiohttp.test_utils import TestClient

from services.shared.db.runtime import DATABASE
from tests.approval.conftest import REQUESTER, TO_APPROVAL, advance, request_release
from tests.approval.forgotten_decision import decision_beside_a_logged_failure
from tests.approval.sse import read_messages

Client = TestClient[web.Request, web.Application]


async def test_a_release_stream_ends_when_a_forget_makes_the_streamed_conflict_its_end(client: Client) -> None:
    release_id = (await request_release(client))["id"]
    await advance(client, release_id, *TO_APPROVAL)
    path = f"/releases/{release_id}/events"
    async with client.get(path, headers=REQUESTER) as live:
        assert live.status == 200
        database = client.app[DATABASE]
        approved = await decision_beside_a_logged_failure(client, release_id)
        streamed = await read_messages(live, 1)
        assert [(m.event, m.data["note"]) for m in streamed] == [("failed", "conflict")]
        await database.forget(approved)
        detail = await (await client.get(f"/releases/{release_id}", headers=REQUESTER)).json()
        assert detail["release"]["state"] == "failed"
        assert (detail["history"][-1]["offset"], detail["history"][-1]["note"]) == (streamed[0].id, None)
        # Asked again from it, the stream is over (204): the release ended at that very event.
        async with client.get(path, headers={**REQUESTER, "Last-Event-ID": str(streamed[0].id)}) as again:
            assert again.status == 204
        # The open stream ends too (it stayed open on pings for as long as the client did).
        try:
            rest = await read_messages(live, timeout=5)
        except TimeoutError:
            raise AssertionError("the release ended, but its open stream never ends") from None
        assert rest == [] and live.content.at_eof()
