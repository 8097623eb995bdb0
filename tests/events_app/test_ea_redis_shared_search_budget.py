"""Every replica had a search budget of its own: N processes on one API key spent N x EVENTS_SEARCH_BUDGET.

With EVENTS_REDIS_URL the budget is counted in Redis (one atomic script per call), so two apps together get
the budget once; the window turns for both at once, as it does for one.
"""

from __future__ import annotations

from typing import Any

from conftest import FakeClock, MakeClient
from tm_stub import StubTicketmaster


async def test_two_apps_share_one_search_budget(
    make_client: MakeClient, stub: StubTicketmaster, clock: FakeClock, shared: dict[str, Any]
) -> None:
    settings = {"events_page_size": 50, "events_search_budget": 3, "events_search_window": 600, **shared}
    blue, green = await make_client(app_color="blue", **settings), await make_client(**settings)
    for n, app in enumerate((blue, green, blue)):
        assert (await app.get("/api/events", params={"keyword": f"word{n}"})).status == 200
    for app in (green, blue):
        resp = await app.get("/api/events", params={"keyword": "word9"})
        assert resp.status == 503
        assert (await resp.json())["error"] == "search_budget_exhausted"
        assert resp.headers["Retry-After"] == "600"
    assert len(stub.calls) == 3

    # The home page is never a search, on either colour.
    assert (await blue.get("/api/events")).status == 200
    assert len(stub.calls) == 4

    # The window turns for both: each may search again, still three in all.
    clock.advance(600)
    for n, app in enumerate((green, green, blue)):
        assert (await app.get("/api/events", params={"keyword": f"new{n}"})).status == 200
    assert (await blue.get("/api/events", params={"keyword": "new9"})).status == 503
    assert len(stub.calls) == 7


async def test_without_redis_each_app_has_its_own_budget(
    make_client: MakeClient, stub: StubTicketmaster
) -> None:
    # The documented default, kept: unset, each process counts for itself.
    settings = {"events_page_size": 50, "events_search_budget": 3, "events_search_window": 600}
    blue, green = await make_client(app_color="blue", **settings), await make_client(**settings)
    for app in (blue, green):
        for n in range(3):
            assert (await app.get("/api/events", params={"keyword": f"{app.port}-{n}"})).status == 200
    assert len(stub.calls) == 6
