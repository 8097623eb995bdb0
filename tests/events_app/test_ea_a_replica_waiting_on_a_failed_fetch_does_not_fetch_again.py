"""With EVENTS_REDIS_URL, a replica that waited on another's failing fetch then fetched itself: two timeouts.

Green found blue fetching and waited for its result; blue's call timed out (a silent Ticketmaster) and let go of the
lock with nothing stored, and green then called Ticketmaster itself: its visitor waited twice TICKETMASTER_TIMEOUT
(2.1 s for a 1 s timeout, 20 s by default) for the same 504, and every replica waiting called at once. The lock
expired with the holder's own timeout, so the others could not tell a failed fetch from a stopped replica's. The lock
now outlives the fetch by a second and the failing replica tells those waiting that its fetch failed; a fetch given
up otherwise (a replica stopping) still leaves them to fetch.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from conftest import MakeClient
from tm_stub import StubTicketmaster

from events_app.shared_cache import SharedSnapshots
from events_app.views import FEED


async def test_the_waiting_replica_reports_the_failure_without_calling(
    make_client: MakeClient, stub: StubTicketmaster, shared: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    waiting = asyncio.Event()
    await_other = SharedSnapshots._await_other

    async def observed(self: SharedSnapshots, *args: Any) -> Any:
        waiting.set()
        return await await_other(self, *args)

    monkeypatch.setattr(SharedSnapshots, "_await_other", observed)
    blue = await make_client(app_color="blue", ticketmaster_timeout=1.0, **shared)
    green = await make_client(ticketmaster_timeout=1.0, **shared)
    stub.hold = asyncio.Event()  # Ticketmaster stops answering
    first = asyncio.create_task(blue.get("/api/events"))
    await stub.wait_for_calls(1)
    second = asyncio.create_task(green.get("/api/events"))
    async with asyncio.timeout(5):
        await waiting.wait()  # green found blue fetching
        statuses = [(await task).status for task in (first, second)]
    assert statuses[0] == 504 and statuses[1] in (502, 504)
    assert len(stub.calls) == 1


async def test_a_fetch_given_up_by_a_stopping_replica_leaves_the_others_to_fetch(
    make_client: MakeClient, stub: StubTicketmaster, shared: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    waiting = asyncio.Event()
    await_other = SharedSnapshots._await_other

    async def observed(self: SharedSnapshots, *args: Any) -> Any:
        waiting.set()
        return await await_other(self, *args)

    monkeypatch.setattr(SharedSnapshots, "_await_other", observed)
    blue = await make_client(app_color="blue", **shared)
    green = await make_client(**shared)
    stub.hold = asyncio.Event()
    first = asyncio.create_task(blue.get("/api/events"))
    await stub.wait_for_calls(1)
    second = asyncio.create_task(green.get("/api/events"))
    async with asyncio.timeout(5):
        await waiting.wait()
        await blue.app[FEED].aclose()  # what blue's stop does to its fetch in flight
        await stub.wait_for_calls(2)  # green fetches for itself
        stub.hold.set()
        assert (await second).status == 200
        await asyncio.gather(first, return_exceptions=True)
