"""Event streams are bounded per identity and in total (429 + Retry-After), and share one serialisation."""

from __future__ import annotations

import contextlib

from aiohttp import web
from aiohttp.test_utils import TestClient

from services.approval.settings import ApprovalSettings
from services.approval.streams import HUB
from tests.approval.conftest import APPROVER, REQUESTER, TO_APPROVAL, advance, api_client, request_release
from tests.approval.sse import read_messages

Client = TestClient[web.Request, web.Application]


async def test_one_identity_cannot_hold_more_than_its_share(settings: ApprovalSettings) -> None:
    limited = settings.model_copy(update={"sse_max_streams_per_identity": 2, "sse_max_streams": 3})
    async with api_client(limited) as client, contextlib.AsyncExitStack() as streams:
        for _ in range(2):
            opened = await streams.enter_async_context(client.get("/events", headers=REQUESTER))
            assert opened.status == 200
        refused = await client.get("/events", headers=REQUESTER)
        assert refused.status == 429 and int(refused.headers["Retry-After"]) > 0
        assert "requester" in (await refused.json())["error"]
        # Another identity still gets one: the limit is per caller...
        other = await streams.enter_async_context(client.get("/events", headers=APPROVER))
        assert other.status == 200
        # ...until the total is reached.
        full = await client.get("/events", headers={"Authorization": "Bearer admin-token"})
        assert full.status == 429 and "Retry-After" in full.headers
        assert client.app[HUB].by_identity == {"dev-requester": 2, "dev-approver": 1}


async def test_each_event_is_serialised_once_for_every_subscriber(client: Client) -> None:
    hub = client.app[HUB]
    async with contextlib.AsyncExitStack() as streams:
        readers = [await streams.enter_async_context(client.get("/events", headers=REQUESTER)) for _ in range(5)]
        before = hub.encodings
        release_id = (await request_release(client))["id"]
        await advance(client, release_id, *TO_APPROVAL)
        for reader in readers:
            got = await read_messages(reader, until="awaiting_approval")
            assert [m.data["seq"] for m in got] == list(range(1, 8))
    assert hub.encodings - before == 7  # not 35
