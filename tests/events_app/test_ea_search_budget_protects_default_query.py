"""Visitors could spend the daily quota: each fresh keyword cost 1-5 calls, without limit.

One client looping over keywords spent Ticketmaster's 5,000 calls a day in ~17 minutes; then every call,
the home page's too, got 429 until the quota reset. Calls for queries other than the default one now come
from a budget (`EVENTS_SEARCH_BUDGET` calls per `EVENTS_SEARCH_WINDOW` seconds); past it a search is a 503
with Retry-After, and the default query keeps working.
"""

from __future__ import annotations

from conftest import FakeClock, MakeClient
from tm_stub import StubTicketmaster


async def test_searches_past_the_budget_are_refused_and_the_home_page_works(
    make_client: MakeClient, stub: StubTicketmaster, clock: FakeClock
) -> None:
    client = await make_client(events_page_size=50, events_search_budget=3, events_search_window=600)
    for n in range(3):
        assert (await client.get("/api/events", params={"keyword": f"word{n}"})).status == 200
    resp = await client.get("/api/events", params={"keyword": "word3"})
    assert resp.status == 503
    assert (await resp.json())["error"] == "search_budget_exhausted"
    assert resp.headers["Retry-After"] == "600"
    page = await client.get("/", params={"keyword": "word4"})
    assert page.status == 503
    assert page.headers["Retry-After"] == "600"
    text = (await page.text()).lower()
    assert "try again" in text and 'href="/"' in text
    assert len(stub.calls) == 3

    # The default query is not a search: it is fetched, and refreshed, whatever the searches spent.
    for _ in range(2):
        assert (await client.get("/api/events")).status == 200
        assert (await client.get("/")).status == 200
        clock.advance(61)
    assert len(stub.calls) == 5

    # A search already cached costs nothing; a new window gives the budget back.
    clock.advance(600)
    assert (await client.get("/api/events", params={"keyword": "word3"})).status == 200
    assert len(stub.calls) == 6


async def test_an_expired_search_past_the_budget_shows_its_stale_copy(
    make_client: MakeClient, stub: StubTicketmaster, clock: FakeClock
) -> None:
    client = await make_client(events_page_size=50, events_search_budget=1, events_search_window=600)
    fresh = await (await client.get("/api/events", params={"keyword": "Event"})).json()
    clock.advance(61)
    body = await (await client.get("/api/events", params={"keyword": "Event"})).json()
    assert body["stale"] is True
    assert body["events"] == fresh["events"]
    assert len(stub.calls) == 1


async def test_defaults_are_documented() -> None:
    from events_app.settings import Settings

    settings = Settings()
    assert settings.events_search_budget == 40
    assert settings.events_search_window == 3600
    assert settings.events_partial_ttl == 5
