"""Single-flight: concurrent misses of one query share ONE upstream call."""

from __future__ import annotations

import asyncio

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware
from conftest import FakeClock, MakeClient
from prometheus_client import CollectorRegistry
from tm_stub import StubTicketmaster


def arrivals(expected: int) -> tuple[Middleware, asyncio.Event]:
    """An event set once `expected` requests are inside the app.

    The handler runs without yielding until it awaits the shared load, so once the event is
    seen every counted request has already joined (or started) the load.
    """
    all_in = asyncio.Event()
    seen = 0

    @web.middleware
    async def count(request: web.Request, handler: Handler) -> web.StreamResponse:
        nonlocal seen
        seen += 1
        if seen == expected:
            all_in.set()
        return await handler(request)

    return count, all_in


async def test_concurrent_misses_make_one_call(make_client: MakeClient, stub: StubTicketmaster) -> None:
    middleware, all_in = arrivals(50)
    registry = CollectorRegistry()
    client = await make_client(events_page_size=50, middlewares=[middleware], registry=registry)
    stub.hold = asyncio.Event()
    requests = [asyncio.create_task(client.get(path)) for path in ["/api/events", "/"] * 25]
    await asyncio.wait_for(all_in.wait(), 5)
    stub.hold.set()
    responses = await asyncio.wait_for(asyncio.gather(*requests), 5)
    assert [r.status for r in responses] == [200] * 50
    assert len(stub.calls) == 1
    assert registry.get_sample_value("events_app_cache_misses_total") == 50
    bodies = {await r.text() for r in responses if r.content_type == "application/json"}
    assert len(bodies) == 1


async def test_concurrent_misses_after_expiry_make_one_call(
    make_client: MakeClient, stub: StubTicketmaster, clock: FakeClock
) -> None:
    middleware, all_in = arrivals(21)
    client = await make_client(events_page_size=50, middlewares=[middleware])
    await client.get("/api/events")
    clock.advance(61)
    stub.hold = asyncio.Event()
    requests = [asyncio.create_task(client.get("/api/events")) for _ in range(20)]
    await asyncio.wait_for(all_in.wait(), 5)
    stub.hold.set()
    await asyncio.wait_for(asyncio.gather(*requests), 5)
    assert len(stub.calls) == 2


async def test_different_queries_do_not_share(make_client: MakeClient, stub: StubTicketmaster) -> None:
    client = await make_client(events_page_size=50)
    stub.hold = asyncio.Event()
    requests = [asyncio.create_task(client.get("/api/events", params={"keyword": k})) for k in "abc"]
    await stub.wait_for_calls(3)
    stub.hold.set()
    await asyncio.wait_for(asyncio.gather(*requests), 5)
    assert sorted(call.params["keyword"] for call in stub.calls) == ["a", "b", "c"]
