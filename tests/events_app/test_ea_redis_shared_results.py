"""Each replica fetched the top 20 for itself: two colours made two upstream calls per TTL for the same list.

With EVENTS_REDIS_URL a fetched result is stored in Redis as the JSON the page is built from, and a replica that
finds another one fetching waits for its result: two apps make one call per TTL, not two, and serve the same data.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from conftest import TEST_REDIS_URL, FakeClock, MakeClient
from redis.asyncio import Redis
from tm_fixtures import expected_top
from tm_stub import StubTicketmaster, raw

from events_app.shared_cache import SharedSnapshots

ROUNDS = 5


async def _traffic(apps: list[TestClient[Any, Any]], clock: FakeClock) -> None:
    """Every app's visitors, for ROUNDS TTLs: home page and one search, each app at its own moment."""
    for _ in range(ROUNDS):
        for app in apps:
            for params in ({}, {"keyword": "Event"}):
                assert (await app.get("/api/events", params=params)).status == 200
            clock.advance(7)  # replicas' caches expire at different moments, as in production
        clock.advance(61 - 7 * len(apps))


async def test_two_apps_make_half_the_upstream_calls_of_two_without(
    make_client: MakeClient, stub: StubTicketmaster, clock: FakeClock, shared: dict[str, Any]
) -> None:
    await _traffic([await make_client(events_page_size=50), await make_client(events_page_size=50)], clock)
    alone = len(stub.calls)
    stub.calls.clear()
    await _traffic([await make_client(events_page_size=50, **shared) for _ in range(2)], clock)
    together = len(stub.calls)
    assert (alone, together) == (4 * ROUNDS, 2 * ROUNDS)


async def test_apps_refreshing_at_once_make_one_call_and_serve_the_same_json(
    make_client: MakeClient, stub: StubTicketmaster, shared: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    waiting = asyncio.Event()
    await_other = SharedSnapshots._await_other

    async def observed(self: SharedSnapshots, *args: Any) -> Any:
        waiting.set()
        return await await_other(self, *args)

    monkeypatch.setattr(SharedSnapshots, "_await_other", observed)
    blue = await make_client(app_color="blue", events_page_size=10, **shared)
    green = await make_client(events_page_size=10, **shared)
    stub.hold = asyncio.Event()  # both ask while the first fetch is on the wire
    first = asyncio.create_task(blue.get("/api/events"))
    await stub.wait_for_calls(1)
    second = asyncio.create_task(green.get("/api/events"))
    async with asyncio.timeout(5):
        await waiting.wait()  # green found blue fetching
    stub.hold.set()
    bodies = [await (await task).json() for task in (first, second)]
    # Blue's one refresh (three pages of ten fill the top 20), nothing from green.
    assert [call.params["page"] for call in stub.calls] == ["0", "1", "2"]
    assert [event["id"] for event in bodies[0]["events"]] == expected_top(stub.events)
    assert bodies[0]["events"] == bodies[1]["events"]
    assert bodies[0]["fetched_at"] == bodies[1]["fetched_at"]
    assert (bodies[0]["colour"], bodies[1]["colour"]) == ("blue", "green")
    # The page from the other replica's result reads as its own does: `when` travels with the events.
    assert (await (await blue.get("/")).text()).count("2027-05-31 20:00") == \
        (await (await green.get("/")).text()).count("2027-05-31 20:00") > 0


async def test_the_stored_value_is_the_json_the_page_is_built_from(
    make_client: MakeClient, shared: dict[str, Any], redis_prefix: str
) -> None:
    app = await make_client(events_page_size=50, **shared)
    served = await (await app.get("/api/events")).json()
    client = Redis.from_url(TEST_REDIS_URL)
    try:
        keys = [key async for key in client.scan_iter(match=redis_prefix + "*result:*")]
        assert len(keys) == 1
        raw = await client.get(keys[0])
        assert raw is not None
        stored = json.loads(raw)
    finally:
        await client.aclose()
    assert [{k: v for k, v in e.items() if k != "when"} for e in stored["events"]] == served["events"]
    assert all(e["when"] for e in stored["events"])
    assert stored["source"] == served["source"] == "ticketmaster"


async def test_each_app_still_serves_its_own_stale_copy_when_the_refresh_fails(
    make_client: MakeClient, stub: StubTicketmaster, clock: FakeClock, shared: dict[str, Any]
) -> None:
    apps = [await make_client(events_page_size=50, **shared) for _ in range(2)]
    fresh = [await (await app.get("/api/events")).json() for app in apps]
    assert len(stub.calls) == 1
    clock.advance(61)
    stub.always = raw("", 500)
    stale = [await (await app.get("/api/events")).json() for app in apps]
    assert [body["stale"] for body in stale] == [True, True]
    assert [body["events"] for body in stale] == [body["events"] for body in fresh]
    assert len(stub.calls) == 3  # one failed refresh per app, as without Redis: nothing to share but the failure
