"""A search past its budget is refused before the rate limit: it never takes a call's turn there.

Searches refused at once keep a flood of them (the budget spent) from queueing at TICKETMASTER_MAX_RPS in front of
the home page's calls, each only to be refused after its wait.
"""

from __future__ import annotations

import pytest
from conftest import MakeClient
from tm_stub import StubTicketmaster

import events_app.app


class CountingLimiter:
    def __init__(self) -> None:
        self.turns = 0

    async def acquire(self) -> None:
        self.turns += 1


async def test_a_refused_search_is_refused_before_the_limiter(
    make_client: MakeClient, stub: StubTicketmaster, monkeypatch: pytest.MonkeyPatch
) -> None:
    limiter = CountingLimiter()
    monkeypatch.setattr(events_app.app, "_limiter", lambda settings, link: limiter)
    client = await make_client(events_page_size=50, events_search_budget=1, events_search_window=600,
                               ticketmaster_api_key="stub-secret-key-7f3a9c")
    assert (await client.get("/api/events", params={"keyword": "first"})).status == 200
    for n in range(3):
        resp = await client.get("/api/events", params={"keyword": f"past{n}"})
        assert (await resp.json())["error"] == "search_budget_exhausted"
    assert limiter.turns == 1 and len(stub.calls) == 1
