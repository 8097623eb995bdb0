"""A stream resumed from before an event whose note changed sends it as the history shows it, not as first encoded.

A desk's forgotten record (`forget`, after its publish was refused) folds the log's event at the offset it was
first folded at as a conflict, and streamed as one. The streams' shared encodings were kept by offset alone, so a
stream resumed from before it was sent the old `conflict` encoding of an event the history shows folded. Failed on
the old code.
"""

from __future__ import annotations

import asyncio

from aiohttp import web
from aiohttp.test_utils import TestClient

from services.shared.db.runtime import DATABASE
from tests.approval.conftest import REQUESTER, TO_APPROVAL, advance, request_release
from tests.approval.forgotten_decision import decision_beside_a_logged_failure
from tests.approval.sse import read_messages

Client = TestClient[web.Request, web.Application]


async def test_a_resumed_stream_shows_the_event_as_the_history_does(client: Client) -> None:
    release_id = (await request_release(client))["id"]
    await advance(client, release_id, *TO_APPROVAL)
    history = (await (await client.get(f"/releases/{release_id}", headers=REQUESTER)).json())["history"]
    before = history[-1]["offset"]
    database = client.app[DATABASE]
    async with client.get("/events", headers=REQUESTER) as everything:  # an open stream: the event is encoded
        approved = await decision_beside_a_logged_failure(client, release_id)
        first = await read_messages(everything, 1)
        await database.forget(approved)
    assert first[0].data["note"] == "conflict"  # as it was folded when it was streamed
    history = (await (await client.get(f"/releases/{release_id}", headers=REQUESTER)).json())["history"]
    assert (history[-1]["offset"], history[-1]["note"]) == (first[0].id, None)
    async with client.get(f"/releases/{release_id}/events",
                          headers={**REQUESTER, "Last-Event-ID": str(before)}) as resumed:
        again = await asyncio.wait_for(read_messages(resumed), 10)
    assert [(m.id, m.event) for m in again] == [(first[0].id, "failed")]
    assert again[0].data["note"] == history[-1]["note"], "a resumed stream is sent a stale encoding"
