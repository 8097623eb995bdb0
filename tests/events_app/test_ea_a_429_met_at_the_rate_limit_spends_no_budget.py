"""A search that met a 429 while it waited at the rate limit spent a unit of the search budget for no call.

The budget is taken before the wait at the rate limit (TICKETMASTER_MAX_RPS), so that a search past it takes no
call's turn there; a 429 answered to another call meanwhile made the search a 503 rate_limited after that wait,
nothing sent, its unit spent: with a small EVENTS_SEARCH_BUDGET the searches that could go out once the block ended
were refused as search_budget_exhausted. The unit is now given back, to the window it was spent in, on this process's
budget and on the one the replicas share in Redis.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from conftest import FakeClock, MakeClient
from tm_stub import StubTicketmaster, rate_limited

import events_app.app


class Gate:
    """A rate limit that lets the first call through and holds the next ones until opened."""

    def __init__(self) -> None:
        self.passed, self.waiting, self.opened = 0, asyncio.Event(), asyncio.Event()

    async def acquire(self) -> None:
        self.passed += 1
        if self.passed > 1:
            self.waiting.set()
            await self.opened.wait()


@pytest.mark.parametrize("allowance", ["own", "shared"])
async def test_a_search_refused_after_its_wait_leaves_the_budget_whole(
    allowance: str, make_client: MakeClient, stub: StubTicketmaster, clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch, shared: dict[str, Any]
) -> None:
    gate = Gate()
    monkeypatch.setattr(events_app.app, "_limiter", lambda settings, link: gate)
    client = await make_client(events_page_size=50, events_search_budget=1, events_search_window=600,
                               ticketmaster_api_key="stub-secret-key-7f3a9c",
                               **(shared if allowance == "shared" else {}))
    stub.hold = asyncio.Event()
    stub.script.append(rate_limited(int((clock.wall + 30) * 1000)))
    home = asyncio.create_task(client.get("/api/events"))  # the default query's call, held at the stub
    await stub.wait_for_calls(1)
    search = asyncio.create_task(client.get("/api/events", params={"keyword": "queued"}))
    await asyncio.wait_for(gate.waiting.wait(), 5)  # the search waits at the rate limit, no 429 known yet
    stub.hold.set()
    assert (await home).status == 503  # the 429: every call is off for 30 s
    gate.opened.set()
    refused = await search
    assert refused.status == 503 and (await refused.json())["error"] == "rate_limited"
    assert len(stub.calls) == 1

    clock.advance(31)
    resp = await client.get("/api/events", params={"keyword": "after"})
    assert resp.status == 200, await resp.text()
    assert len(stub.calls) == 2
