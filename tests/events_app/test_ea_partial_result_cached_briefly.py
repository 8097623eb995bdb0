"""A refresh whose later page failed was cached as fresh for the full TTL, and nothing said it was partial.

The first page's events are worth showing, but every visitor of the next 60 s got the short list as if it
were the whole top 20. Now a partial list is kept `EVENTS_PARTIAL_TTL` (5 s) only, and the JSON
(`partial: true`, the key present only then) and the page say it is partial.
"""

from __future__ import annotations

from aiohttp import web
from conftest import FakeClock, MakeClient
from tm_fixtures import make_event
from tm_stub import StubTicketmaster, raw


def two_pages_of_events(stub: StubTicketmaster) -> None:
    # Ten per page, two on sale in each: the top 20 needs the second page too.
    stub.events = [make_event(f"ok-{n:02d}" if n % 5 == 0 else f"off-{n:02d}",
                              status="onsale" if n % 5 == 0 else "offsale") for n in range(20)]


async def test_partial_list_is_marked_and_cached_briefly(
    make_client: MakeClient, stub: StubTicketmaster, clock: FakeClock
) -> None:
    two_pages_of_events(stub)
    client = await make_client(events_page_size=10, events_max_pages=5)

    async def first_page(request: web.Request) -> web.Response:
        return stub.search(request.query)

    stub.script.extend([first_page, raw('{"errors": []}', status=503)])  # page 0 answers, page 1 fails
    body = await (await client.get("/api/events")).json()
    assert [e["id"] for e in body["events"]] == ["ok-00", "ok-05"]
    assert body["partial"] is True
    assert body["stale"] is False
    page = await (await client.get("/")).text()
    assert "partial" in page.lower()

    clock.advance(6)  # past the partial TTL, well within the 60 s one
    body = await (await client.get("/api/events")).json()
    assert [e["id"] for e in body["events"]] == ["ok-00", "ok-05", "ok-10", "ok-15"]
    assert "partial" not in body
    assert "partial" not in (await (await client.get("/")).text()).lower()


async def test_complete_list_is_not_partial(make_client: MakeClient, stub: StubTicketmaster, clock: FakeClock) -> None:
    two_pages_of_events(stub)
    client = await make_client(events_page_size=10, events_max_pages=5)
    body = await (await client.get("/api/events")).json()
    assert "partial" not in body
    clock.advance(30)
    await client.get("/api/events")
    assert len(stub.calls) == 2  # two pages, once: the full TTL
