"""An event logged with a time that has no UTC offset is read as UTC by the delivery metrics.

`ReleaseEvent.occurred_at` takes a time with no offset (any publisher on the exchange may send one; the read model
stores it as UTC), and the delivery metrics compared it with their aware window: `TypeError: can't compare
offset-naive and offset-aware datetimes`. One such event made `GET /metrics/delivery` a 500, and `/metrics` a 500
with it for the next 30 days: every series of the API (the read model's alerts' too) gone from Prometheus.
"""

from __future__ import annotations

from datetime import timedelta

from aiohttp import web
from aiohttp.test_utils import TestClient

from services.shared.release import utcnow
from tests.approval.conftest import REQUESTER
from tests.metrics.delivery_log import released
from tests.metrics.test_delivery_endpoint import publish_all


async def test_a_time_without_offset_counts_as_utc(client: TestClient[web.Request, web.Application]) -> None:
    now = utcnow()
    naive = now.replace(tzinfo=None)
    await publish_all(client, [released("N", "news", naive - timedelta(hours=2), naive - timedelta(hours=1),
                                        now - timedelta(hours=3))])
    response = await client.get("/metrics/delivery", headers=REQUESTER)
    assert response.status == 200, await response.text()
    news = (await response.json())["apps"]["news"]
    assert (news["deployments"], news["lead_time_seconds"]) == (1, 2 * 3600.0)
    scrape = await client.get("/metrics")
    assert scrape.status == 200, await scrape.text()
    assert 'greenlight_delivery_lead_time_seconds{app="news"} 7200.0' in await scrape.text()
