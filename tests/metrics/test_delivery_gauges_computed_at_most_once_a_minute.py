"""The delivery gauges read the last 30 days from the database when `/metrics` is scraped. A window of 10,000
releases takes a second or more to read, and every scrape (every Prometheus server, every 15 s) read it again, on
the API's event loop. They are now computed at most once a minute, and concurrent scrapes share one computation."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from aiohttp.typedefs import Handler
from prometheus_client import CollectorRegistry, generate_latest

from services.approval import delivery_readings
from services.approval.delivery_readings import RECENT_EVERY, DeliveryReadings
from services.approval.delivery_views import delivery_gauges
from services.shared.db.runtime import DATABASE
from services.shared.dora import DeliveryReport, Keys
from services.shared.release import utcnow


def keys(deployments: int) -> Keys:
    return Keys(deployments=deployments, deployment_frequency_per_day=deployments / 30, lead_time_seconds=None,
                lead_time_samples=0, failed_changes=0, change_failure_rate=None, time_to_restore_seconds=None)


async def test_scrapes_within_a_minute_share_one_reading(monkeypatch: pytest.MonkeyPatch) -> None:
    readings: list[int] = []
    release_reading = asyncio.Event()

    async def delivery_report(*_: Any) -> DeliveryReport:
        readings.append(len(readings) + 1)
        await release_reading.wait()
        now = utcnow()
        return DeliveryReport(now - timedelta(days=30), now, keys(len(readings)), {"shop": keys(len(readings))})

    monkeypatch.setattr(delivery_readings, "delivery_report", delivery_report)
    now = [1000.0]
    registry = CollectorRegistry()
    arrived: list[web.Request] = []
    both_arrived = asyncio.Event()

    @web.middleware
    async def arrivals(request: web.Request, handler: Handler) -> web.StreamResponse:
        arrived.append(request)
        if len(arrived) == 2:
            both_arrived.set()  # the second goes on to the gauges' middleware before the test runs again
        return await handler(request)

    app = web.Application(middlewares=[arrivals, delivery_gauges(registry, DeliveryReadings(clock=lambda: now[0]))])
    app[DATABASE] = object()  # type: ignore[assignment]  # only handed to delivery_report, replaced above

    async def metrics(_: web.Request) -> web.Response:
        return web.Response(body=generate_latest(registry))

    app.router.add_get("/metrics", metrics)
    async with TestClient(TestServer(app)) as client:
        two = [asyncio.ensure_future(client.get("/metrics")) for _ in range(2)]
        await asyncio.wait_for(both_arrived.wait(), 10)
        release_reading.set()
        texts = [await response.text() for response in await asyncio.gather(*two)]
        now[0] += RECENT_EVERY - 1
        texts.append(await (await client.get("/metrics")).text())
        assert readings == [1]
        assert all('greenlight_delivery_deployments{app="shop"} 1.0' in text for text in texts)

        now[0] += 1
        fresh = await (await client.get("/metrics")).text()
    assert readings == [1, 2]
    assert 'greenlight_delivery_deployments{app="shop"} 2.0' in fresh
