"""A deeply nested body from upstream was a 500 with a traceback, not "malformed", and stale data was lost.

`json.loads` raises RecursionError, not ValueError, for 100 kB of `[` (anything nested deeper than the
interpreter's recursion limit). The client caught ValueError only, so the error escaped as a 500 on the page
and on /api/events, and, not being an UpstreamError, it also bypassed stale-while-error: a broken proxy or
upstream answering that took the page down although good data was cached.
"""

from __future__ import annotations

from conftest import FakeClock, MakeClient
from tm_stub import StubTicketmaster, raw

NESTED = "[" * 100_000


async def test_a_deeply_nested_body_is_an_unusable_answer(stub: StubTicketmaster, make_client: MakeClient) -> None:
    stub.always = raw(NESTED)
    client = await make_client()
    resp = await client.get("/api/events")
    assert resp.status == 502
    assert (await resp.json())["error"] == "upstream_unavailable"
    assert (await client.get("/")).status == 502


async def test_a_deeply_nested_body_serves_the_last_good_data(
    stub: StubTicketmaster, make_client: MakeClient, clock: FakeClock
) -> None:
    client = await make_client(events_page_size=50)
    fresh = await (await client.get("/api/events")).json()
    clock.advance(61)
    stub.always = raw(NESTED)
    resp = await client.get("/api/events")
    assert resp.status == 200
    body = await resp.json()
    assert body["stale"] is True and body["events"] == fresh["events"]
