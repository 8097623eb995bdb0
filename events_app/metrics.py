"""Prometheus metrics, on a registry of the app's own so several apps can share a process."""

from __future__ import annotations

import asyncio

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware
from prometheus_client import CollectorRegistry, Counter, Gauge, Info, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class Metrics:
    def __init__(self, registry: CollectorRegistry, color: str, version: str) -> None:
        self.registry = registry
        self.requests = Counter(
            "events_app_http_requests",
            "HTTP requests served, by route template, method and status.",
            ["route", "method", "status"],
            registry=registry,
        )
        self.upstream_calls = Counter(
            "events_app_upstream_requests",
            "Calls made to the Ticketmaster API, by HTTP status ('error' when none came back).",
            ["status"],
            registry=registry,
        )
        self.upstream_errors = Counter(
            "events_app_upstream_errors",
            "Ticketmaster calls that gave no usable page, by reason.",
            ["reason"],
            registry=registry,
        )
        self.cache_hits = Counter(
            "events_app_cache_hits", "Event queries answered from fresh cache.", registry=registry
        )
        self.cache_misses = Counter(
            "events_app_cache_misses", "Event queries that needed (or joined) a load.", registry=registry
        )
        self.stale_served = Counter(
            "events_app_stale_served",
            "Event queries answered with old data because the refresh failed.",
            registry=registry,
        )
        self.shared_allowance = Gauge(
            "events_app_shared_allowance_up",
            "1 while the Ticketmaster allowance is shared through Redis (EVENTS_REDIS_URL); 0 while this process"
            " decides on its own (unset, or Redis unreachable).",
            registry=registry,
        )
        build = Info("events_app_build", "Colour and commit of this deployment.", registry=registry)
        build.info({"colour": color, "version": version})

    def exposition(self) -> web.Response:
        response = web.Response(body=generate_latest(self.registry))
        response.headers["Content-Type"] = CONTENT_TYPE_LATEST
        return response

    def middleware(self) -> Middleware:
        requests = self.requests
        # labels() costs more than the cached request it counts; the key set is small and bounded.
        children: dict[tuple[str, str, int], Counter] = {}

        @web.middleware
        async def count_requests(request: web.Request, handler: Handler) -> web.StreamResponse:
            # Route template and known methods only: raw paths or methods would be unbounded labels.
            resource = request.match_info.route.resource
            route = resource.canonical if resource is not None else "unmatched"
            method = request.method if request.method in _METHODS else "other"
            status = 500
            try:
                response = await handler(request)
                status = response.status
                return response
            except web.HTTPException as exc:
                status = exc.status
                raise
            except asyncio.CancelledError:
                status = 499  # the client went away first (nginx's convention)
                raise
            finally:
                key = (route, method, status)
                child = children.get(key)
                if child is None:
                    child = children[key] = requests.labels(route, method, str(status))
                child.inc()

        return count_requests
