"""Prometheus metrics of the API: releases by state, time waiting for approval, HTTP requests."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

from aiohttp import web
from aiohttp.typedefs import Handler
from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from services.approval.failed_reads import FailedReads, failed_reads
from services.shared.db.outage import is_outage
from services.shared.db.releases import ReleaseDatabase
from services.shared.protocol import ReleaseState

# `/metrics` needs no token and a count reads the whole releases table (50 ms at 500,000 releases): scrapes this
# close share one count, so a caller asking in a loop costs the database nothing more (and the gauge lags by less
# than any scrape interval).
COUNT_EVERY = 5.0
# Approvals take minutes to days, so the buckets do too.
WAIT_BUCKETS = (30, 60, 300, 900, 1800, 3600, 4 * 3600, 12 * 3600, 86400, 3 * 86400, 7 * 86400)
# The methods a request's series is labelled with; any other is `other`. A label is whatever the client sent, and
# aiohttp's pure-Python parser (AIOHTTP_NO_EXTENSIONS=1) takes any token as a method: each made-up one was a new
# series, without a token, for as long as the process ran.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class ReleasesByState(Collector):
    """Counted in the database just before a scrape (`refresh`), at most once every `COUNT_EVERY` seconds."""

    def __init__(self, failures: FailedReads) -> None:
        self.counts: dict[str, int] = {}
        self.failures = failures  # a count that failed for a reason other than an outage: left out, marked there
        self.database: ReleaseDatabase | None = None  # set once the database is open
        self.reached = 0.0  # whether the last count reached the database
        self.tried_at: float | None = None  # time.monotonic() when the last count ended, reaching it or not
        self.counting = asyncio.Lock()  # concurrent scrapes wait for one count

    async def refresh(self) -> None:
        async with self.counting:
            if self.database is None or (
                    self.tried_at is not None and time.monotonic() - self.tried_at < COUNT_EVERY):
                return
            try:
                self.counts = await self.database.count_by_state()
                self.reached = 1.0
                self.failures.read("releases")
            except Exception as exc:
                # The scrape still answers either way: every other series of the API would go missing with a 500.
                # Scrapes that queued behind this count share its outcome rather than wait out an outage each.
                if is_outage(exc):
                    self.reached = 0.0  # with the last counts: an outage is when the other series matter most
                else:
                    self.reached = 1.0  # it answered; what it answered is no count, so none is shown
                    self.failures.failed("releases", exc)
            self.tried_at = time.monotonic()

    def collect(self) -> Iterator[Metric]:
        if self.failures.reasons["releases"] is None:
            family = GaugeMetricFamily("greenlight_releases", "releases by current state", labels=["state"])
            for state in ReleaseState:
                family.add_metric([state.value], self.counts.get(state.value, 0))
            yield family
        yield GaugeMetricFamily("greenlight_database_up", "1 if this scrape's count of releases reached the "
                                "database, 0 if it was out of reach (greenlight_releases then keeps the last "
                                "counts)", value=self.reached)


class ApiMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.by_state = ReleasesByState(failed_reads(registry))
        registry.register(self.by_state)
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
        method = request.method if request.method in METHODS else "other"
        started = time.perf_counter()
        status = 500
        if request.path == "/metrics":
            await self.by_state.refresh()
        try:
            response = await handler(request)
            status = response.status
            return response
        except web.HTTPException as exc:
            status = exc.status
            raise
        finally:
            self.requests.labels(method, route, str(status)).inc()
            self.latency.labels(method, route).observe(time.perf_counter() - started)
