"""429 from the API: back off until Rate-Limit-Reset (epoch ms), then resume."""

from __future__ import annotations

from conftest import FakeClock, MakeClient
from tm_stub import StubTicketmaster, rate_limited


async def test_backs_off_until_the_reset_time(
    make_client: MakeClient, stub: StubTicketmaster, clock: FakeClock
) -> None:
    stub.script.append(rate_limited(int((clock.wall + 30) * 1000)))
    client = await make_client(events_page_size=50)
    resp = await client.get("/api/events")
    assert resp.status == 503
    assert resp.headers["Retry-After"] == "30"
    assert (await resp.json())["error"] == "rate_limited"
    # Inside the window nothing is sent, whatever the query.
    clock.advance(29)
    for params in ({}, {"keyword": "other"}):
        assert (await client.get("/api/events", params=params)).status == 503
    assert len(stub.calls) == 1
    clock.advance(1.5)
    resp = await client.get("/api/events")
    assert resp.status == 200
    assert len(stub.calls) == 2


async def test_page_says_rate_limited(make_client: MakeClient, stub: StubTicketmaster, clock: FakeClock) -> None:
    stub.script.append(rate_limited(int((clock.wall + 5) * 1000)))
    client = await make_client()
    resp = await client.get("/")
    assert resp.status == 503
    assert resp.headers["Retry-After"] == "5"
    assert "rate limit" in (await resp.text()).lower()


async def test_serves_stale_data_while_backing_off(
    make_client: MakeClient, stub: StubTicketmaster, clock: FakeClock
) -> None:
    client = await make_client(events_page_size=50)
    fresh = await (await client.get("/api/events")).json()
    clock.advance(61)
    stub.script.append(rate_limited(int((clock.wall + 120) * 1000)))
    stale = await (await client.get("/api/events")).json()
    assert stale["stale"] is True
    assert stale["events"] == fresh["events"]
    assert (await (await client.get("/api/events")).json())["stale"] is True
    assert len(stub.calls) == 2


async def test_reset_in_the_past_or_missing_still_pauses(
    make_client: MakeClient, stub: StubTicketmaster, clock: FakeClock
) -> None:
    stub.script.append(rate_limited(int((clock.wall - 10) * 1000)))
    client = await make_client(events_page_size=50)
    assert (await client.get("/api/events")).status == 503
    assert (await client.get("/api/events")).status == 503
    assert len(stub.calls) == 1
    clock.advance(1)
    assert (await client.get("/api/events")).status == 200
