"""A stream from an old offset reads from the database only what it shows: one release's stream (`greenlight watch`
always asks for the release's start, Last-Event-ID -1) its history, one app's stream that app's events. Both read
and parsed every event of every app since the log began, in pages on the API's loop, for each stream (a year's
log: some 200,000 events, hundreds of MB from the database, per watch)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from services.shared.db.runtime import DATABASE
from services.shared.protocol import ReleaseState as S
from tests.approval.conftest import REQUESTER, TO_APPROVAL, advance, failed_at_lint, request_release
from tests.approval.sse import read_messages

Client = TestClient[web.Request, web.Application]
OTHERS = 300  # releases of another app before it, two events each: more than a page of the database's follow
SHOWN = [S.REQUESTED.value, *(s.value for s in TO_APPROVAL)]


@pytest.mark.parametrize("path", ["/releases/{id}/events", "/events?app=quiet"])
async def test_a_stream_from_the_start_reads_the_events_it_shows(client: Client, monkeypatch: pytest.MonkeyPatch,
                                                                 path: str) -> None:
    await failed_at_lint(client, "busy", "older", OTHERS)
    release_id = (await request_release(client, "quiet"))["id"]
    await advance(client, release_id, *TO_APPROVAL)
    database = client.app[DATABASE]
    read = []
    rows = database.rows

    async def counted(query: Any, params: dict[str, Any] | None = None) -> Sequence[Any]:
        found = await rows(query, params)
        read.append(len(found))
        return found

    monkeypatch.setattr(database, "rows", counted)
    async with client.get(path.format(id=release_id), headers={**REQUESTER, "Last-Event-ID": "-1"}) as response:
        messages = await read_messages(response, until=S.AWAITING_APPROVAL.value)
    assert [m.event for m in messages] == SHOWN
    assert all(m.data["release_id"] == release_id for m in messages)
    assert [m.id for m in messages] == sorted(m.id for m in messages)
    assert sum(read) <= len(messages) + 1  # (+ the newest offset, read once) not the 2 * OTHERS of the other app
