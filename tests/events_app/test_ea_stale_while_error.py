"""Stale-while-error: when the API fails or times out, the last good data is served, marked stale."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, unused_port
from conftest import FakeClock, MakeClient
from tm_stub import StubTicketmaster, raw


async def warm_then_expire(
    make_client: MakeClient, clock: FakeClock, **overrides: object
) -> tuple[TestClient[Any, Any], dict[str, Any]]:
    client = await make_client(events_page_size=50, **overrides)
    fresh = await (await client.get("/api/events")).json()
    clock.advance(61)
    return client, fresh


@pytest.mark.parametrize("status", [500, 502, 503, 400])
async def test_http_errors_serve_stale(
    make_client: MakeClient, stub: StubTicketmaster, clock: FakeClock, status: int
) -> None:
    client, fresh = await warm_then_expire(make_client, clock)
    stub.always = raw('{"errors": []}', status=status)
    resp = await client.get("/api/events")
    assert resp.status == 200
    body = await resp.json()
    assert body["stale"] is True
    assert body["events"] == fresh["events"]
    assert body["fetched_at"] == fresh["fetched_at"]


async def test_malformed_json_serves_stale(make_client: MakeClient, stub: StubTicketmaster, clock: FakeClock) -> None:
    client, _ = await warm_then_expire(make_client, clock)
    stub.always = raw("{truncated")
    assert (await (await client.get("/api/events")).json())["stale"] is True


async def test_timeout_serves_stale(make_client: MakeClient, stub: StubTicketmaster, clock: FakeClock) -> None:
    client, fresh = await warm_then_expire(make_client, clock, ticketmaster_timeout=0.2)
    stub.hold = asyncio.Event()  # the API stops answering
    body = await (await asyncio.wait_for(client.get("/api/events"), 5)).json()
    assert body["stale"] is True
    assert body["events"] == fresh["events"]


async def test_page_marks_stale_data(make_client: MakeClient, stub: StubTicketmaster, clock: FakeClock) -> None:
    client, _ = await warm_then_expire(make_client, clock)
    stub.always = raw("", status=500)
    text = await (await client.get("/")).text()
    assert "Ticketmaster is not answering; showing data from 2026-12-01 12:00 UTC" in text


async def test_recovers_once_the_api_is_back(make_client: MakeClient, stub: StubTicketmaster, clock: FakeClock) -> None:
    client, _ = await warm_then_expire(make_client, clock)
    stub.script.append(raw("", status=500))
    assert (await (await client.get("/api/events")).json())["stale"] is True
    clock.advance(10)  # EVENTS_STALE_RETRY: the stale data stands this long after a failed refresh
    body = await (await client.get("/api/events")).json()
    assert body["stale"] is False
    assert body["fetched_at"] == "2026-12-01T12:01:11Z"


async def test_without_old_data_a_timeout_is_504(make_client: MakeClient, stub: StubTicketmaster) -> None:
    client = await make_client(ticketmaster_timeout=0.2)
    stub.hold = asyncio.Event()
    resp = await asyncio.wait_for(client.get("/api/events"), 5)
    assert resp.status == 504
    assert (await resp.json())["error"] == "upstream_timeout"


async def test_without_old_data_an_unreachable_api_is_502(make_client: MakeClient) -> None:
    client = await make_client(ticketmaster_base_url=f"http://127.0.0.1:{unused_port()}/discovery/v2")
    resp = await client.get("/api/events")
    assert resp.status == 502
    assert (await resp.json())["error"] == "upstream_unavailable"
