"""/healthz (alive) and /readyz (has data or can reach the API)."""

from __future__ import annotations

import asyncio

from conftest import FakeClock, MakeClient
from tm_stub import StubTicketmaster, raw


async def test_healthz_is_always_ok(make_client: MakeClient, stub: StubTicketmaster) -> None:
    stub.always = raw("", status=500)
    client = await make_client()
    resp = await client.get("/healthz")
    assert resp.status == 200
    assert await resp.json() == {"status": "ok", "colour": "green", "version": "0123abc"}
    assert stub.calls == []


async def test_ready_when_the_api_answers(make_client: MakeClient, stub: StubTicketmaster) -> None:
    client = await make_client(events_page_size=50)
    resp = await client.get("/readyz")
    assert resp.status == 200
    assert (await resp.json())["status"] == "ready"
    # The probe's fetch warmed the default query: the first visitor gets a cache hit.
    await client.get("/api/events")
    assert len(stub.calls) == 1


async def test_not_ready_without_data_or_api(make_client: MakeClient, stub: StubTicketmaster) -> None:
    stub.always = raw("", status=503)
    client = await make_client()
    resp = await client.get("/readyz")
    assert resp.status == 503
    body = await resp.json()
    assert body["status"] == "unavailable" and "503" in body["reason"]


async def test_not_ready_with_an_invalid_key(make_client: MakeClient) -> None:
    client = await make_client(ticketmaster_api_key="wrong")
    resp = await client.get("/readyz")
    assert resp.status == 503
    assert "invalid" in (await resp.json())["reason"]


async def test_ready_with_old_data_while_the_api_is_down(
    make_client: MakeClient, stub: StubTicketmaster, clock: FakeClock
) -> None:
    client = await make_client(events_page_size=50, ticketmaster_timeout=0.2)
    await client.get("/api/events", params={"keyword": "Event"})
    clock.advance(600)
    stub.hold = asyncio.Event()
    resp = await client.get("/readyz")
    assert resp.status == 200
    assert len(stub.calls) == 1  # having data is enough; no probe call was made


async def test_sample_mode_is_ready(make_client: MakeClient) -> None:
    client = await make_client(ticketmaster_api_key=None)
    resp = await client.get("/readyz")
    assert resp.status == 200
    assert (await resp.json())["source"] == "sample"
