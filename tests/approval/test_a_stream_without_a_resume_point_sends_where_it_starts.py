"""A stream opened without `Last-Event-ID` starts at the newest offset, and says so first, as an `id:` alone: an
EventSource dropped before the first event reconnects with that id and misses nothing. It sent nothing until the
first event, so such a client reconnected with no id, started at a later "now", and lost what came in between."""

from __future__ import annotations

from aiohttp import web
from aiohttp.test_utils import TestClient

from services.shared.protocol import ReleaseState as S
from tests.approval.conftest import REQUESTER, advance, reach, request_release
from tests.approval.sse import read_messages

Client = TestClient[web.Request, web.Application]


async def test_the_start_is_sent_as_an_id_and_a_reconnect_with_it_misses_nothing(client: Client) -> None:
    release = (await request_release(client))["id"]
    await reach(client, release, S.REQUESTED)
    history = (await (await client.get(f"/releases/{release}", headers=REQUESTER)).json())["history"]
    newest = history[-1]["offset"]
    async with client.get(f"/releases/{release}/events", headers=REQUESTER) as response:
        assert response.status == 200
        first = [await response.content.readline(), await response.content.readline()]
    assert first == [f"id: {newest}\n".encode(), b"\n"]  # an id alone: no event is dispatched for it
    await advance(client, release, S.BUILDING, S.BUILT)  # while the client is away
    headers = {**REQUESTER, "Last-Event-ID": str(newest)}
    async with client.get(f"/releases/{release}/events", headers=headers) as response:
        messages = await read_messages(response, until="built")
    assert [m.event for m in messages] == ["building", "built"]
    assert all(m.id > newest for m in messages)
