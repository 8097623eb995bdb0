"""GET /metrics: Prometheus text from a registry of the app's own."""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp.test_utils import TestClient
from conftest import FakeClock, MakeClient
from prometheus_client import CollectorRegistry
from prometheus_client.parser import text_string_to_metric_families
from tm_stub import StubTicketmaster, raw

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


async def scrape(client: TestClient[Any, Any]) -> Samples:
    resp = await client.get("/metrics")
    assert resp.status == 200
    assert resp.content_type == "text/plain"
    samples: Samples = {}
    for family in text_string_to_metric_families(await resp.text()):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


async def test_counts_requests_upstream_calls_cache_hits_and_errors(
    make_client: MakeClient, stub: StubTicketmaster, clock: FakeClock
) -> None:
    client = await make_client(events_page_size=50)
    await client.get("/api/events")
    await client.get("/api/events")
    await client.get("/")
    await client.get("/api/events?sort=bogus")
    clock.advance(61)
    stub.always = raw("", status=500)
    await client.get("/api/events")
    samples = await scrape(client)

    def requests(route: str, status: str) -> float:
        return samples[("events_app_http_requests_total", (("method", "GET"), ("route", route), ("status", status)))]

    assert requests("/api/events", "200") == 3
    assert requests("/", "200") == 1
    assert requests("/api/events", "400") == 1
    assert samples[("events_app_upstream_requests_total", (("status", "200"),))] == 1
    assert samples[("events_app_upstream_requests_total", (("status", "500"),))] == 1
    assert samples[("events_app_upstream_errors_total", (("reason", "http_status"),))] == 1
    assert samples[("events_app_cache_hits_total", ())] == 2
    assert samples[("events_app_cache_misses_total", ())] == 2
    assert samples[("events_app_stale_served_total", ())] == 1
    assert samples[("events_app_build_info", (("colour", "green"), ("version", "0123abc")))] == 1


async def test_unmatched_paths_share_one_label(make_client: MakeClient) -> None:
    client = await make_client()
    for path in ("/nope", "/wp-admin", "/a/b/c"):
        assert (await client.get(path)).status == 404
    samples = await scrape(client)
    key = ("events_app_http_requests_total", (("method", "GET"), ("route", "unmatched"), ("status", "404")))
    assert samples[key] == 3


async def test_timeouts_and_connection_errors_are_counted(make_client: MakeClient, stub: StubTicketmaster) -> None:
    client = await make_client(ticketmaster_base_url="http://127.0.0.1:9/discovery/v2")
    await client.get("/api/events")
    samples = await scrape(client)
    assert samples[("events_app_upstream_errors_total", (("reason", "connection"),))] == 1
    assert samples[("events_app_upstream_requests_total", (("status", "error"),))] == 1
    # A timeout is a call that went out (the stub saw it) and got no status: counted as one, unlike a
    # timeout spent queueing at the limiter.
    slow = await make_client(ticketmaster_timeout=0.2)
    stub.hold = asyncio.Event()
    assert (await asyncio.wait_for(slow.get("/api/events"), 5)).status == 504
    assert len(stub.calls) == 1
    samples = await scrape(slow)
    assert samples[("events_app_upstream_errors_total", (("reason", "timeout"),))] == 1
    assert samples[("events_app_upstream_requests_total", (("status", "error"),))] == 1


async def test_two_apps_in_one_process_do_not_collide(make_client: MakeClient) -> None:
    first, second = CollectorRegistry(), CollectorRegistry()
    blue = await make_client(registry=first, app_color="blue")
    green = await make_client(registry=second, app_color="green")
    await blue.get("/healthz")
    labels = {"route": "/healthz", "method": "GET", "status": "200"}
    assert first.get_sample_value("events_app_http_requests_total", labels) == 1
    assert second.get_sample_value("events_app_http_requests_total", labels) is None
    await green.get("/healthz")
    assert second.get_sample_value("events_app_http_requests_total", labels) == 1


async def test_unknown_methods_share_one_label(make_client: MakeClient) -> None:
    client = await make_client()
    for method in ("PROPFIND", "MKCOL", "PURGE"):
        assert (await client.request(method, "/api/events")).status == 405
    samples = await scrape(client)
    # aiohttp answers a 405 from a system route, which has no resource: it counts as unmatched.
    key = ("events_app_http_requests_total", (("method", "other"), ("route", "unmatched"), ("status", "405")))
    assert samples[key] == 3
