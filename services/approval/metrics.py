"""Prometheus metrics of the API: releases by state, time waiting for approval, HTTP requests."""

from __future__ import annotations

import time
from collections import Counter as Tally
from collections.abc import Iterator

from aiohttp import web
from aiohttp.typedefs import Handler
from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from services.shared.protocol import ReleaseState
from services.shared.store import ReleaseStore

# Approvals take minutes to days, so the buckets do too.
WAIT_BUCKETS = (30, 60, 300, 900, 1800, 3600, 4 * 3600, 12 * 3600, 86400, 3 * 86400, 7 * 86400)


class ReleasesByState(Collector):
    """Read from the store at scrape time, so the gauge can never drift from the folded log."""

    def __init__(self, store: ReleaseStore) -> None:
        self.store = store

    def collect(self) -> Iterator[Metric]:
        family = GaugeMetricFamily("greenlight_releases", "releases by current state", labels=["state"])
        counts = Tally(r.state for r in self.store.releases.values())
        for state in ReleaseState:
            family.add_metric([state.value], counts.get(state, 0))
        yield family


class ApiMetrics:
    def __init__(self, registry: CollectorRegistry, store: ReleaseStore) -> None:
        registry.register(ReleasesByState(store))
        # Observed by the replica that records the decision, once; a replay after restart adds nothing.
        self.approval_wait = Histogram(
            "greenlight_approval_wait_seconds", "time from awaiting_approval to the decision",
            ["decision"], buckets=WAIT_BUCKETS, registry=registry,
        )
        self.requests = Counter("greenlight_http_requests", "HTTP requests answered",
                                ["method", "route", "status"], registry=registry)
        self.latency = Histogram("greenlight_http_request_seconds", "time to answer (streams: to close)",
                                 ["method", "route"], registry=registry)

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        # Labelled by route template, not path: ids in paths would explode the label set.
        resource = request.match_info.route.resource
        route = resource.canonical if resource is not None else "unmatched"
        started = time.perf_counter()
        status = 500
        try:
            response = await handler(request)
            status = response.status
            return response
        except web.HTTPException as exc:
            status = exc.status
            raise
        finally:
            self.requests.labels(request.method, route, str(status)).inc()
            self.latency.labels(request.method, route).observe(time.perf_counter() - started)
