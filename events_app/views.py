"""HTTP handlers: the page, the JSON API, and the probes Greenlight switches traffic on."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

import aiohttp_jinja2
from aiohttp import web

from .budget import SearchBudgetExhausted
from .feed import EventFeed, FeedResult
from .form import FIELD_LABELS, SORT_LABELS, form_errors, shown_query, typed_query
from .metrics import Metrics
from .query import EventQuery, InvalidQuery, parse_query_string
from .settings import Settings
from .ticketmaster import InvalidApiKey, RateLimited, UpstreamError, UpstreamTimeout

SETTINGS = web.AppKey("settings", Settings)
METRICS = web.AppKey("metrics", Metrics)
FEED = web.AppKey("feed", EventFeed)

routes = web.RouteTableDef()
FeedFailure = UpstreamError | InvalidApiKey
_ERROR_CODES: dict[type[Exception], str] = {
    InvalidApiKey: "invalid_api_key",
    RateLimited: "rate_limited",
    SearchBudgetExhausted: "search_budget_exhausted",
    UpstreamTimeout: "upstream_timeout",
}


def _json(payload: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(
        body=json.dumps(payload).encode(), status=status, headers=headers, content_type="application/json"
    )


def _banner(settings: Settings) -> dict[str, str]:
    # "colour", as everywhere else in Greenlight; the APP_COLOR variable keeps its name for compatibility.
    return {"colour": settings.app_color, "version": settings.app_version}


def _failure(request: web.Request, exc: FeedFailure) -> tuple[int, dict[str, Any], dict[str, str]]:
    payload = {"error": _ERROR_CODES.get(type(exc), "upstream_unavailable"), "message": str(exc)}
    headers = {"Retry-After": str(math.ceil(exc.retry_after))} if isinstance(exc, RateLimited) else {}
    return exc.status, payload | _banner(request.app[SETTINGS]), headers


def _invalid(exc: InvalidQuery) -> web.Response:
    return _json({"error": "invalid_query", "message": str(exc), "fields": exc.fields}, status=400)


async def _query_and_result(request: web.Request) -> tuple[EventQuery, FeedResult]:
    default_country = request.app[SETTINGS].ticketmaster_country_code
    query = parse_query_string(request.rel_url.raw_query_string, default_country)
    return query, await request.app[FEED].get(query)


def _memo(result: FeedResult, kind: str, render: Callable[[], bytes]) -> bytes:
    # Everything in a body comes from the snapshot, its query and fixed settings: render once.
    key = f"{kind}:{'stale' if result.stale else 'fresh'}"
    body = result.snapshot.rendered.get(key)
    if body is None:
        body = result.snapshot.rendered[key] = render()
    return body


@routes.get("/", name="index")
async def index(request: web.Request) -> web.Response:
    try:
        query, result = await _query_and_result(request)
    except InvalidQuery as exc:
        # A person sent the form: answer with the form again, the values as typed and what is wrong.
        context = {"result": None, "query": typed_query(request), "errors": form_errors(exc.fields),
                   "sorts": SORT_LABELS, "labels": FIELD_LABELS, **_banner(request.app[SETTINGS])}
        return aiohttp_jinja2.render_template("index.html", request, context, status=400)
    except (UpstreamError, InvalidApiKey) as exc:
        status, payload, headers = _failure(request, exc)
        response = aiohttp_jinja2.render_template("error.html", request, payload, status=status)
        response.headers.update(headers)
        return response
    settings = request.app[SETTINGS]

    def render() -> bytes:
        context = {"result": result, "query": shown_query(query), "errors": {}, "sorts": SORT_LABELS,
                   **_banner(settings)}
        return aiohttp_jinja2.render_string("index.html", request, context).encode()

    return web.Response(body=_memo(result, "html", render), content_type="text/html", charset="utf-8")


@routes.get("/api/events", name="events")
async def api_events(request: web.Request) -> web.Response:
    try:
        _, result = await _query_and_result(request)
    except InvalidQuery as exc:
        return _invalid(exc)
    except (UpstreamError, InvalidApiKey) as exc:
        status, payload, headers = _failure(request, exc)
        return _json(payload, status=status, headers=headers)
    snapshot, settings = result.snapshot, request.app[SETTINGS]

    def render() -> bytes:
        payload = {
            "events": [event.model_dump(mode="json") for event in snapshot.events],
            "fetched_at": snapshot.fetched_at.isoformat().replace("+00:00", "Z"),
            "stale": result.stale,
            "source": snapshot.source,
            **_banner(settings),
        }
        if snapshot.partial:  # only then: clients that check the envelope's keys keep working
            payload["partial"] = True
        return json.dumps(payload, ensure_ascii=False).encode()

    return web.Response(body=_memo(result, "json", render), content_type="application/json")


@routes.get("/healthz", name="healthz")
async def healthz(request: web.Request) -> web.Response:
    return _json({"status": "ok"} | _banner(request.app[SETTINGS]))


@routes.get("/readyz", name="readyz")
async def readyz(request: web.Request) -> web.Response:
    """Ready once there is something to show; the probe's own fetch warms the default query."""
    # Ready for good once anything is cached, on purpose, even if the key is revoked later (every page then a 502
    # invalid_api_key): both colours share the key, so taking this one out of service would leave visitors no
    # page at all rather than one that names the fault. A release with a bad key still never becomes ready: its
    # first fetch fails here. A revoked key shows on /metrics: events_app_upstream_errors_total{reason="invalid_key"}.
    feed, settings = request.app[FEED], request.app[SETTINGS]
    if not feed.has_data():
        try:
            await feed.get(EventQuery(country_code=settings.ticketmaster_country_code))
        except (UpstreamError, InvalidApiKey) as exc:
            payload = {"status": "unavailable", "reason": str(exc), "source": feed.source.name}
            return _json(payload | _banner(settings), status=503)
    return _json({"status": "ready", "source": feed.source.name} | _banner(settings))


@routes.get("/metrics", name="metrics")
async def metrics(request: web.Request) -> web.Response:
    return request.app[METRICS].exposition()
