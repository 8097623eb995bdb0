"""While Ticketmaster failed, every request with only stale data to show called it again, and waited for it.

Stale-while-error kept the last good result but not the failure: the next request found the entry expired
and started another refresh. With the API answering 5xx that was a call per request, up to the rate limit
(5/s, hour after hour): the daily quota (5,000 calls by default) was gone in under twenty minutes of an
outage, and the app was then refused for the rest of the day after the API had recovered. With the API not
answering, every page view waited the whole upstream timeout (10 s) before showing the stale list. After a
failed refresh the stale data now stands for `EVENTS_STALE_RETRY` seconds (default 10) before another try.
"""

from __future__ import annotations

import asyncio

from conftest import FakeClock, MakeClient
from tm_stub import StubTicketmaster, raw


async def test_an_outage_costs_one_call_per_retry_interval(
    make_client: MakeClient, stub: StubTicketmaster, clock: FakeClock
) -> None:
    client = await make_client(events_page_size=50, events_stale_retry=10.0)
    fresh = await (await client.get("/api/events")).json()
    clock.advance(61)
    stub.always = raw('{"errors": []}', status=503)
    for _ in range(20):
        body = await (await client.get("/api/events")).json()
        assert body["stale"] is True and body["events"] == fresh["events"]
    assert len(stub.calls) == 2  # the first load, one failed refresh
    clock.advance(10.5)
    assert (await (await client.get("/api/events")).json())["stale"] is True
    assert len(stub.calls) == 3
    stub.always = None  # the API is back: the next try after the interval is fresh again
    clock.advance(10.5)
    assert (await (await client.get("/api/events")).json())["stale"] is False
    assert len(stub.calls) == 4


async def test_a_silent_api_is_waited_for_once_not_on_every_page_view(
    make_client: MakeClient, stub: StubTicketmaster, clock: FakeClock
) -> None:
    client = await make_client(events_page_size=50, ticketmaster_timeout=0.3)
    await client.get("/api/events")
    clock.advance(61)
    stub.hold = asyncio.Event()  # the API stops answering
    assert (await (await client.get("/api/events")).json())["stale"] is True  # waited 0.3 s, once
    async with asyncio.timeout(0.25):  # below the upstream timeout: no second wait for it
        for _ in range(5):
            assert (await (await client.get("/")).text()).count("Ticketmaster is not answering") == 1
    assert len(stub.calls) == 2
