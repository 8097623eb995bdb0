"""A stream without Last-Event-ID starts at "now": the log's history is the JSON API's job."""

from __future__ import annotations

from aiohttp import web
from aiohttp.test_utils import TestClient

from services.shared.protocol import ReleaseState as S
from tests.approval.conftest import REQUESTER, TO_APPROVAL, advance, request_release
from tests.approval.sse import read_messages

Client = TestClient[web.Request, web.Application]


async def test_a_fresh_stream_replays_nothing_and_then_follows_live(client: Client) -> None:
    old = (await request_release(client, app="old"))["id"]
    await advance(client, old, *TO_APPROVAL)  # seven events in the log before anyone listens
    async with client.get("/events", headers=REQUESTER) as everything, \
            client.get(f"/releases/{old}/events", headers=REQUESTER) as one:
        new = (await request_release(client, app="new"))["id"]
        first = await read_messages(everything, 1)
        await client.post(f"/releases/{old}/reject", headers={"Authorization": "Bearer approver-token"})
        mine = await read_messages(one, 1)
    assert [(m.data["release_id"], m.event) for m in first] == [(new, "requested")]
    assert [(m.data["release_id"], m.event) for m in mine] == [(old, "rejected")]


async def test_the_json_history_carries_the_offset_to_resume_from(client: Client) -> None:
    release_id = (await request_release(client))["id"]
    await advance(client, release_id, S.BUILDING)
    history = (await (await client.get(f"/releases/{release_id}", headers=REQUESTER)).json())["history"]
    resume = history[0]["offset"]
    async with client.get(f"/releases/{release_id}/events",
                          headers={**REQUESTER, "Last-Event-ID": str(resume)}) as response:
        rest = await read_messages(response, 1)
    assert [m.event for m in rest] == ["building"]
