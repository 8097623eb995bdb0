"""Half a UTF-16 surrogate pair from Ticketmaster was a 500 for the whole list.

JSON may escape a lone surrogate ("\\ud83c": a name cut in the middle of an emoji, as a UTF-16 truncation does);
json.loads keeps it and pydantic passed it through every unconstrained text field (venue, city, URL, currency),
but such a str has no UTF-8 form: the page and /api/events failed to encode (500) for as long as the list was cached,
and with EVENTS_REDIS_URL storing it failed too, so nothing was cached and every request called Ticketmaster again.
The half character is now read as U+FFFD and the event shows.
"""

from __future__ import annotations

from typing import Any

from conftest import MakeClient
from tm_stub import StubTicketmaster

HALF = "\ud83c"  # the high half of 🌍 (U+1F30D) alone


def _cut_mid_emoji(stub: StubTicketmaster) -> None:
    event = stub.events[0]
    event["_embedded"]["venues"][0]["name"] = f"Stade {HALF}"
    event["_embedded"]["venues"][0]["city"] = f"S{HALF}"
    event["url"] = f"https://www.ticketmaster.com/event/{HALF}"
    event["priceRanges"][0]["currency"] = f"US{HALF}"


async def test_the_page_and_the_json_show_the_event(make_client: MakeClient, stub: StubTicketmaster) -> None:
    _cut_mid_emoji(stub)
    client = await make_client(events_page_size=50)
    resp = await client.get("/api/events")
    assert resp.status == 200, await resp.text()
    first = (await resp.json())["events"][0]
    assert first["id"] == stub.events[0]["id"]
    assert first["venue"] == "Stade \N{REPLACEMENT CHARACTER}"
    page = await client.get("/")
    assert page.status == 200
    assert "Stade \N{REPLACEMENT CHARACTER}" in await page.text()


async def test_shared_through_redis_it_is_fetched_once(
    make_client: MakeClient, stub: StubTicketmaster, shared: dict[str, Any]
) -> None:
    _cut_mid_emoji(stub)
    client = await make_client(events_page_size=50, **shared)
    assert [(await client.get("/api/events")).status for _ in range(3)] == [200, 200, 200]
    assert len(stub.calls) == 1
