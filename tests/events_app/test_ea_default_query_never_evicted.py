"""512 other queries evicted the default query's stale copy: an outage then showed the home page an error.

The default query (the home page, no parameters) is what nearly every visitor sees; its entry is now
pinned in the cache, so however many searches pass through, an outage still shows its last good data.
"""

from __future__ import annotations

from conftest import FakeClock, MakeClient
from tm_stub import StubTicketmaster, raw


async def test_default_query_survives_many_searches(
    make_client: MakeClient, stub: StubTicketmaster, clock: FakeClock
) -> None:
    client = await make_client(events_page_size=50, events_cache_max_entries=3)
    fresh = await (await client.get("/api/events")).json()
    for n in range(5):
        assert (await client.get("/api/events", params={"keyword": f"word{n}"})).status == 200
    clock.advance(61)
    stub.always = raw('{"errors": []}', status=503)
    resp = await client.get("/api/events")
    assert resp.status == 200
    body = await resp.json()
    assert body["stale"] is True
    assert body["events"] == fresh["events"]


async def test_other_queries_are_still_evicted_least_recent_first(
    make_client: MakeClient, stub: StubTicketmaster
) -> None:
    client = await make_client(events_page_size=50, events_cache_max_entries=3)
    await client.get("/api/events")
    for word in ("a", "b", "c", "b"):
        await client.get("/api/events", params={"keyword": word})
    assert len(stub.calls) == 4  # default, a, b, c; b again from cache
    await client.get("/api/events", params={"keyword": "a"})  # a went first
    assert len(stub.calls) == 5
