"""Per-query cache with a TTL (time is moved by the fake clock, never slept through)."""

from __future__ import annotations

from conftest import FakeClock, MakeClient
from tm_stub import StubTicketmaster


async def test_repeat_within_ttl_is_served_from_cache(
    make_client: MakeClient, stub: StubTicketmaster, clock: FakeClock
) -> None:
    client = await make_client(events_page_size=50, events_cache_ttl=60)
    first = await (await client.get("/api/events")).json()
    clock.advance(59.9)
    second = await (await client.get("/api/events")).json()
    await client.get("/")
    assert len(stub.calls) == 1
    assert first == second


async def test_expired_entry_is_fetched_again(
    make_client: MakeClient, stub: StubTicketmaster, clock: FakeClock
) -> None:
    client = await make_client(events_page_size=50, events_cache_ttl=60)
    await client.get("/api/events")
    clock.advance(60)
    body = await (await client.get("/api/events")).json()
    assert len(stub.calls) == 2
    assert body["stale"] is False
    assert body["fetched_at"] == "2026-12-01T12:01:00Z"


async def test_each_distinct_query_has_its_own_entry(make_client: MakeClient, stub: StubTicketmaster) -> None:
    client = await make_client(events_page_size=50)
    for params in ({}, {"keyword": "Event"}, {"countryCode": "GB"}, {"sort": "name,asc"}, {}):
        assert (await client.get("/api/events", params=params)).status == 200
    assert len(stub.calls) == 4


async def test_equivalent_queries_share_an_entry(make_client: MakeClient, stub: StubTicketmaster) -> None:
    client = await make_client(events_page_size=50)
    await client.get("/api/events?countryCode=us&classificationName=Music,Sports&keyword=%20Event")
    await client.get("/api/events?countryCode=US&classificationName=Sports&classificationName=Music&keyword=Event")
    assert len(stub.calls) == 1


async def test_zero_ttl_always_refetches(make_client: MakeClient, stub: StubTicketmaster) -> None:
    client = await make_client(events_page_size=50, events_cache_ttl=0)
    await client.get("/api/events")
    await client.get("/api/events")
    assert len(stub.calls) == 2
