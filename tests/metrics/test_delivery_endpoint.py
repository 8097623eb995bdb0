"""`GET /metrics/delivery` and the Prometheus gauges, over the fixture log published on the real broker and
folded by the API like any release log."""

from __future__ import annotations

from datetime import datetime, timedelta

from aiohttp import web
from aiohttp.test_utils import TestClient

from services.shared.db.runtime import DATABASE
from services.shared.events import ReleaseEvent
from services.shared.release import utcnow
from services.shared.runtime import BUS
from tests.approval.conftest import REQUESTER
from tests.harness import wait_for_state
from tests.metrics.delivery_log import log, released

Client = TestClient[web.Request, web.Application]
H = 3600.0


async def publish_all(client: Client, histories: list[list[ReleaseEvent]]) -> None:
    for events in histories:
        for event in events:
            await client.app[BUS].publish(event)
        await wait_for_state(client.app[DATABASE], events[-1].release_id, events[-1].state)


async def test_delivery_endpoint_reports_the_keys_of_the_log_per_app(client: Client) -> None:
    await publish_all(client, log())
    response = await client.get("/metrics/delivery", params={"since": "2026-01-01T00:00:00Z", "app": "shop"},
                                headers=REQUESTER)
    assert response.status == 200, await response.text()
    shop = (await response.json())["overall"]
    # As in test_delivery_keys: A, B, C, F; F's rollback came 9 days after it went live (not a failure).
    assert (shop["deployments"], shop["lead_time_seconds"], shop["failed_changes"], shop["change_failure_rate"],
            shop["time_to_restore_seconds"]) == (4, 12 * H, 1, 0.25, 1.5 * H)
    everything = await (await client.get("/metrics/delivery", params={"since": "2026-01-01T00:00:00"},
                                         headers=REQUESTER)).json()
    blog = everything["apps"]["blog"]  # G and H now (the window runs to now); H has no commit time
    assert (blog["deployments"], blog["lead_time_seconds"], blog["change_failure_rate"]) == (2, 1 * H, 0.5)
    bad = await client.get("/metrics/delivery", params={"since": "yesterday"}, headers=REQUESTER)
    assert bad.status == 422 and (await bad.json())["fields"][0]["loc"][:2] == ["query", "since"]
    assert (await client.get("/metrics/delivery")).status == 401


async def test_prometheus_gauges_cover_the_last_30_days(client: Client) -> None:
    now = utcnow()
    recent = released("R", "news", now - timedelta(hours=2), now - timedelta(hours=1), now - timedelta(hours=3))
    # A day either side of the window's start: a window much shorter or longer than 30 days shows.
    inside = released("M", "month", now - timedelta(days=29, hours=1), now - timedelta(days=29))
    outside = released("S", "stale", now - timedelta(days=31, hours=1), now - timedelta(days=31))
    await publish_all(client, [recent, inside, outside, *log()])  # the fixture log is older still: not counted
    text = await (await client.get("/metrics")).text()
    assert 'greenlight_delivery_deployments{app="news"} 1.0' in text
    assert 'greenlight_delivery_deployments{app="month"} 1.0' in text
    assert 'greenlight_delivery_deployments{app=""} 2.0' in text
    assert 'greenlight_delivery_lead_time_seconds{app="news"} 7200.0' in text
    assert 'app="shop"' not in text and 'app="stale"' not in text


async def test_without_since_the_endpoint_reports_the_last_30_days(client: Client) -> None:
    now = utcnow()
    inside = released("M", "month", now - timedelta(days=29, hours=1), now - timedelta(days=29))
    outside = released("S", "stale", now - timedelta(days=31, hours=1), now - timedelta(days=31))
    await publish_all(client, [inside, outside])
    body = await (await client.get("/metrics/delivery", headers=REQUESTER)).json()
    assert set(body["apps"]) == {"month"} and body["overall"]["deployments"] == 1
    since = datetime.fromisoformat(body["since"])
    assert abs((since - (now - timedelta(days=30))).total_seconds()) < 60, body["since"]
