"""Filling the top 20 across pages, without passing the API's deep-paging cap."""

from __future__ import annotations

from aiohttp import web
from conftest import MakeClient
from tm_fixtures import expected_top, make_event, venue_country
from tm_stub import Responder, StubTicketmaster, raw


async def test_fetches_further_pages_until_twenty(make_client: MakeClient, stub: StubTicketmaster) -> None:
    client = await make_client(events_page_size=10, events_max_pages=10)
    ids = [e["id"] for e in (await (await client.get("/api/events")).json())["events"]]
    expected = expected_top(stub.events)
    assert ids == expected
    # Stops at the page holding the 20th pick although the stub has more for-sale events after it.
    served = [e["id"] for e in stub.events if venue_country(e) in (None, "US")]
    last_page = served.index(expected[-1]) // 10
    assert last_page + 1 < -(-len(served) // 10)
    assert [int(call.params["page"]) for call in stub.calls] == list(range(last_page + 1))
    assert all(call.params["size"] == "10" for call in stub.calls)


async def test_never_more_than_twenty(make_client: MakeClient, stub: StubTicketmaster) -> None:
    stub.events = [make_event(f"ok-{n:03d}") for n in range(60)]
    client = await make_client(events_page_size=50)
    events = (await (await client.get("/api/events")).json())["events"]
    assert len(events) == 20
    assert len(stub.calls) == 1


async def test_keeps_the_api_order(make_client: MakeClient, stub: StubTicketmaster) -> None:
    client = await make_client(events_page_size=50)
    events = (await (await client.get("/api/events", params={"sort": "name,desc"})).json())["events"]
    names = [e["name"] for e in events]
    assert names == sorted(names, reverse=True)


async def test_stops_before_the_deep_paging_cap(make_client: MakeClient, stub: StubTicketmaster) -> None:
    # 1500 events and only one on sale, at the very end: unreachable without deep paging.
    stub.events = [make_event(f"off-{n}", status="offsale") for n in range(1499)] + [make_event("ok-last")]
    client = await make_client(events_page_size=200, events_max_pages=50)
    resp = await client.get("/api/events")
    assert resp.status == 200
    assert (await resp.json())["events"] == []
    pages = [int(call.params["page"]) for call in stub.calls]
    assert pages == [0, 1, 2, 3, 4]
    assert all(page * 200 < 1000 for page in pages)


async def test_max_pages_bounds_one_refresh(make_client: MakeClient, stub: StubTicketmaster) -> None:
    stub.events = [make_event(f"off-{n}", status="offsale") for n in range(100)]
    client = await make_client(events_page_size=10, events_max_pages=3)
    await client.get("/api/events")
    assert len(stub.calls) == 3


async def test_later_page_failure_keeps_what_was_found(make_client: MakeClient, stub: StubTicketmaster) -> None:
    stub.script.extend([search_normally(stub), raw("upstream hiccup", status=500)])
    client = await make_client(events_page_size=10)
    body = await (await client.get("/api/events")).json()
    assert [e["id"] for e in body["events"]] == expected_top(stub.events[:10])
    assert body["stale"] is False
    assert len(stub.calls) == 2


def search_normally(stub: StubTicketmaster) -> Responder:
    async def respond(request: web.Request) -> web.Response:
        return stub.search(request.query)

    return respond
