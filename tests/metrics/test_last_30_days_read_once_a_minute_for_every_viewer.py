"""The last 30 days' report is read from the database at most once a minute, however many ask for it.

Every open dashboard asks `GET /metrics/delivery` for the last 30 days each minute (dashboard/delivery.js), and
each request read the window again: about a second of the API's CPU at 10,000 releases (README: Performance), so
60 people with the dashboard open kept one core busy, and a caller looping on the endpoint more. The gauges on
`/metrics` already read that same report at most once a minute; the endpoint now shares that reading (an app's
figures are its part of it), and a window of its own (`since`) is still read afresh.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from aiohttp import web
from aiohttp.test_utils import TestClient

from services.approval import delivery_reads
from services.shared.db.runtime import DATABASE
from services.shared.release import utcnow
from tests.approval.conftest import REQUESTER
from tests.metrics.delivery_log import released
from tests.metrics.test_delivery_endpoint import publish_all

# The first statement of every report: where its window starts (delivery_reads._bounded_start).
WINDOW_START = "ORDER BY events.occurred_at DESC"


async def test_viewers_of_the_last_30_days_share_one_reading(
        client: TestClient[web.Request, web.Application]) -> None:
    now = utcnow()
    await publish_all(client, [released("R", "news", now - timedelta(hours=2), now - timedelta(hours=1),
                                        now - timedelta(hours=3)),
                               released("S", "shop", now - timedelta(hours=5), now - timedelta(hours=4))])
    reports: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if WINDOW_START in statement:
            reports.append(statement)

    engine = client.app[DATABASE].engine.sync_engine
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        bodies = [await (await client.get("/metrics/delivery", headers=REQUESTER)).json() for _ in range(3)]
        news = await (await client.get("/metrics/delivery", params={"app": "news"}, headers=REQUESTER)).json()
        nothing = await (await client.get("/metrics/delivery", params={"app": "none"}, headers=REQUESTER)).json()
        scrape = await (await client.get("/metrics")).text()
        assert len(reports) == 1, f"{len(reports)} readings for 6 views of the last 30 days"
        own = await (await client.get("/metrics/delivery", params={"since": (now - timedelta(days=1)).isoformat()},
                                      headers=REQUESTER)).json()
        assert len(reports) == 2
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    assert all(body["overall"]["deployments"] == 2 and set(body["apps"]) == {"news", "shop"} for body in bodies)
    assert news["overall"]["deployments"] == 1 and news["overall"]["lead_time_seconds"] == 2 * 3600.0
    assert set(news["apps"]) == {"news"} and news["since"] == bodies[0]["since"]
    assert nothing["overall"]["deployments"] == 0 and nothing["apps"] == {}
    assert nothing["overall"]["deployment_frequency_per_day"] == 0.0
    assert 'greenlight_delivery_deployments{app="news"} 1.0' in scrape
    assert own["overall"]["deployments"] == 2


async def test_an_app_in_a_window_cut_short_by_others_gets_its_own_30_days(
        client: TestClient[web.Request, web.Application], monkeypatch: pytest.MonkeyPatch) -> None:
    # Over `MAX_RELEASES` the shared window starts later (delivery_reads.py); an app asked for by name is read
    # over its own last 30 days then, as before the reading was shared.
    monkeypatch.setattr(delivery_reads, "MAX_RELEASES", 2)
    now = utcnow()
    await publish_all(client, [released(f"S{n}", "shop", now - timedelta(hours=n, minutes=30), now - timedelta(hours=n))
                               for n in range(1, 4)] +
                      [released("B", "blog", now - timedelta(days=3, hours=1), now - timedelta(days=3))])
    everything = await (await client.get("/metrics/delivery", headers=REQUESTER)).json()
    assert set(everything["apps"]) == {"shop"} and everything["overall"]["deployments"] == 2
    blog = await (await client.get("/metrics/delivery", params={"app": "blog"}, headers=REQUESTER)).json()
    assert blog["overall"]["deployments"] == 1 and set(blog["apps"]) == {"blog"}
