"""A search made while a 429 kept calls off spent the search budget although no call went out.

The budget was taken before the client looked at its back-off: during a quota's block every search (each a 503
rate_limited, nothing sent) used one of EVENTS_SEARCH_BUDGET's calls, and once the block ended the searches that
could have gone out were refused as search_budget_exhausted for the rest of the window.
"""

from __future__ import annotations

from conftest import FakeClock, MakeClient
from tm_stub import StubTicketmaster, rate_limited


async def test_searches_refused_during_a_backoff_leave_the_budget_whole(
    make_client: MakeClient, stub: StubTicketmaster, clock: FakeClock
) -> None:
    client = await make_client(events_page_size=50, events_search_budget=1, events_search_window=600)
    stub.script.append(rate_limited(int((clock.wall + 30) * 1000)))
    assert (await client.get("/api/events")).status == 503  # the default query: it spends no budget
    for n in range(3):
        resp = await client.get("/api/events", params={"keyword": f"during{n}"})
        assert resp.status == 503
        assert (await resp.json())["error"] == "rate_limited"
    assert len(stub.calls) == 1

    clock.advance(31)
    resp = await client.get("/api/events", params={"keyword": "after"})
    assert resp.status == 200, await resp.text()
    assert len(stub.calls) == 2
