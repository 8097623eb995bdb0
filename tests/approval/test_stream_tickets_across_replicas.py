"""Two API replicas on one database (SQLite and PostgreSQL): a stream ticket issued by one opens a stream on
the other, and only once in all, even when both are asked for it at the same moment."""

from __future__ import annotations

import asyncio

from aiohttp import web
from aiohttp.test_utils import TestClient

from services.approval.settings import ApprovalSettings
from tests.approval.conftest import REQUESTER, api_client, request_release
from tests.approval.sse import read_messages

Client = TestClient[web.Request, web.Application]


async def ticket(client: Client) -> str:
    response = await client.post("/events/tickets", headers=REQUESTER)
    assert response.status == 201, await response.text()
    return str((await response.json())["ticket"])


async def opens(client: Client, path: str) -> int:
    async with client.get(path) as response:
        if response.status == 200:
            await read_messages(response, 1)  # it really streams: the release's `requested`
        return response.status


async def test_a_ticket_from_one_replica_opens_one_stream_on_any(settings: ApprovalSettings,
                                                                  any_database: str) -> None:
    async with api_client(settings) as a, api_client(settings) as b:
        release_id = (await request_release(a))["id"]
        path = f"/releases/{release_id}/events?last_event_id=-1&ticket="

        from_a = await ticket(a)
        assert await opens(b, path + from_a) == 200  # issued by A, redeemed by B
        assert await opens(a, path + from_a) == 401  # and used up for A too
        assert await opens(b, path + from_a) == 401

        for _ in range(5):  # both replicas at once, one ticket: exactly one stream
            contested = await ticket(b)
            statuses = await asyncio.gather(opens(a, path + contested), opens(b, path + contested))
            assert sorted(statuses) == [200, 401], statuses
