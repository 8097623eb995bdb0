"""While stale data stood for a failed refresh, each retry held every visitor for the whole upstream timeout.

After a failed refresh the stale list stands `EVENTS_STALE_RETRY` seconds; then the next request retries.
Every request arriving while that retry ran joined it and waited: with Ticketmaster silent (the default 10 s
timeout, 10 s between retries) half the page views of an outage took 10 s, though the answer they got was
the stale list they could have had at once. The visitor who starts a retry now waits for it at most
`EVENTS_STALE_WAIT` (1 s); the others get the stale list at once while it runs.
"""

from __future__ import annotations

import asyncio

from conftest import FakeClock, MakeClient
from tm_stub import StubTicketmaster, raw


async def test_a_retry_into_a_silent_api_keeps_nobody_waiting_for_its_timeout(
    make_client: MakeClient, stub: StubTicketmaster, clock: FakeClock
) -> None:
    client = await make_client(events_page_size=50, ticketmaster_timeout=5.0, events_stale_retry=10.0)
    fresh = await (await client.get("/api/events")).json()
    clock.advance(61)
    stub.script.append(raw('{"errors": []}', status=503))  # the refresh fails: the list is stale from now
    assert (await (await client.get("/api/events")).json())["stale"] is True
    clock.advance(10.5)  # time for a retry, and Ticketmaster has gone silent
    stub.hold = asyncio.Event()
    async with asyncio.timeout(2.5):  # half the upstream timeout: nobody waits it out
        for _ in range(5):
            body = await (await client.get("/api/events")).json()
            assert body["stale"] is True and body["events"] == fresh["events"]
        page = await (await client.get("/")).text()
        assert page.count("Ticketmaster is not answering") == 1
    assert len(stub.calls) == 3  # the first load, the failed refresh, one retry still under way


async def test_a_retry_that_answers_in_time_is_shown_fresh(
    make_client: MakeClient, stub: StubTicketmaster, clock: FakeClock
) -> None:
    client = await make_client(events_page_size=50, events_stale_retry=10.0)
    await client.get("/api/events")
    clock.advance(61)
    stub.script.append(raw('{"errors": []}', status=503))
    assert (await (await client.get("/api/events")).json())["stale"] is True
    clock.advance(10.5)
    assert (await (await client.get("/api/events")).json())["stale"] is False
    assert len(stub.calls) == 3
