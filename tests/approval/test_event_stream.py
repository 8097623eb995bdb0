"""SSE: ids are log offsets, Last-Event-ID resumes with no gap and no duplicate (-1: from the start)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from services.shared.protocol import ReleaseState as S
from services.shared.settings import BusSettings
from tests.approval.conftest import APPROVER, REQUESTER, reach, request_release
from tests.approval.fakes import fake_pipeline
from tests.approval.sse import Message, read_messages
from tests.harness import running

Client = TestClient[web.Request, web.Application]
STAGED = ["requested", "building", "built", "pushing", "pushed", "deploying", "awaiting_approval"]


@pytest.fixture
async def hold(bus_settings: BusSettings) -> AsyncIterator[asyncio.Event]:
    """A pipeline that stops after `built` until the event is set."""
    gate = asyncio.Event()
    async with running(fake_pipeline(bus_settings, hold=gate)):
        try:
            yield gate
        finally:
            gate.set()  # let a held handler finish so the fake consumer stops promptly


async def stream(client: Client, path: str, headers: dict[str, str] = REQUESTER, *, count: int | None = None,
                 until: str | None = None) -> list[Message]:
    async with client.get(path, headers=headers) as response:
        assert response.status == 200, await response.text()
        assert response.content_type == "text/event-stream"
        return await read_messages(response, count, until=until)


def check_contiguous(messages: list[Message], release_id: str) -> None:
    assert all(m.data["release_id"] == release_id for m in messages)
    assert [m.data["seq"] for m in messages] == list(range(1, len(messages) + 1))
    assert [m.id for m in messages] == [m.data["offset"] for m in messages]
    assert [m.event for m in messages] == [m.data["state"] for m in messages]
    assert [m.id for m in messages] == sorted({m.id for m in messages})


async def test_history_then_live_then_resume(client: Client, hold: asyncio.Event) -> None:
    release_id = (await request_release(client))["id"]
    await reach(client, release_id, S.BUILT)
    path = f"/releases/{release_id}/events"
    async with client.get(path, headers={**REQUESTER, "Last-Event-ID": "-1"}) as response:
        history = await read_messages(response, 3)  # already in the log when the stream opened
        hold.set()
        live = await read_messages(response, until="awaiting_approval")
    messages = history + live
    assert [m.event for m in messages] == STAGED
    check_contiguous(messages, release_id)
    ids = [m.id for m in messages]

    for cut in (0, 2, 5):
        header = await stream(client, path, headers={**REQUESTER, "Last-Event-ID": str(ids[cut])},
                              until="awaiting_approval")
        assert [m.id for m in header] == ids[cut + 1:]
        query = await stream(client, f"{path}?last_event_id={ids[cut]}", until="awaiting_approval")
        assert [m.id for m in query] == ids[cut + 1:]
    # The header wins over the query: a browser reconnects to the original URL with a newer header.
    both = await stream(client, f"{path}?last_event_id=-1", headers={**REQUESTER, "Last-Event-ID": str(ids[4])},
                        until="awaiting_approval")
    assert [m.id for m in both] == ids[5:]

    # A resumed stream then carries on live: the decision arrives exactly once.
    async with client.get(path, headers={**REQUESTER, "Last-Event-ID": str(ids[-1])}) as response:
        await client.post(f"/releases/{release_id}/approve", headers=APPROVER)
        after = await read_messages(response, until="live")
    assert [m.event for m in after] == ["approved", "switching", "live"]
    assert after[0].id > ids[-1] and after[0].data["seq"] == 8


async def test_app_stream_filters_and_the_full_stream_has_everything(client: Client, hold: asyncio.Event,
                                                                    ) -> None:
    hold.set()
    demo = (await request_release(client, app="demo"))["id"]
    other = (await request_release(client, app="other"))["id"]
    await reach(client, demo, S.AWAITING_APPROVAL)
    await reach(client, other, S.AWAITING_APPROVAL)
    only_demo = await stream(client, "/events?app=demo&last_event_id=-1", until="awaiting_approval")
    assert {m.data["app"] for m in only_demo} == {"demo"}
    check_contiguous(only_demo, demo)
    everything = await stream(client, "/events?last_event_id=-1", count=14)
    assert {m.data["release_id"] for m in everything} == {demo, other}
    assert [m.id for m in everything] == sorted(m.id for m in everything)


async def test_stream_auth_and_errors(client: Client) -> None:
    release_id = (await request_release(client))["id"]
    path = f"/releases/{release_id}/events"
    assert (await client.get(path)).status == 401
    assert (await client.get(f"{path}?ticket=bogus")).status == 401
    events = await stream(client, f"{path}?last_event_id=-1", count=1)
    assert events[0].event == "requested"
    assert (await client.get("/releases/unknown/events", headers=REQUESTER)).status == 404
    bad = await client.get(path, headers={**REQUESTER, "Last-Event-ID": "yesterday"})
    assert bad.status == 422
    assert (await bad.json())["fields"][0]["loc"] == ["header", "Last-Event-ID"]
    assert (await client.get("/events?app=Bad", headers=REQUESTER)).status == 422
