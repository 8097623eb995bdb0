"""A slow Ticketmaster held a visitor for the timeout of every page a refresh fetched, one after another.

`TICKETMASTER_TIMEOUT` bounds one call (its rate-limit queueing included); a refresh fetches up to
`EVENTS_MAX_PAGES` (5) pages while fewer than 20 of the events seen are on sale. With each call answering
just under the timeout, or queueing behind other searches at the 5 calls/s limit, the visitor waited for
all of them in turn: up to 5 x 10 s for one page view, though the first page's events were there after the
first. Later pages only top up the list: they now stop at one timeout from the refresh's start, and what
the earlier pages found is shown.
"""

from __future__ import annotations

import asyncio

from aiohttp import web
from conftest import MakeClient
from tm_fixtures import make_event
from tm_stub import StubTicketmaster


async def test_later_pages_stop_at_one_timeout_from_the_start(make_client: MakeClient, stub: StubTicketmaster) -> None:
    # Two on sale in each page of ten: the top 20 would take every one of the five pages.
    stub.events = [make_event(f"ok-{n:02d}" if n % 5 == 0 else f"off-{n:02d}", status="onsale" if n % 5 == 0
                              else "offsale") for n in range(100)]

    async def slow(request: web.Request) -> web.Response:
        await asyncio.sleep(0.5)  # the API's latency, half the 1 s allowed for a call
        return stub.search(request.query)

    stub.always = slow
    client = await make_client(events_page_size=10, events_max_pages=5, ticketmaster_timeout=1.0)
    loop = asyncio.get_running_loop()
    started = loop.time()
    body = await (await client.get("/api/events")).json()
    took = loop.time() - started
    assert took < 1.8, f"the visitor waited {took:.2f} s for one page view"
    assert [e["id"] for e in body["events"]] == ["ok-00", "ok-05"]  # the first page's, the second cut short
    assert body["stale"] is False
