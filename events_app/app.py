"""Wiring: settings, templates, metrics and the upstream lifecycle into one aiohttp app."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import aiohttp
import aiohttp_jinja2
import jinja2
import structlog
from aiohttp import web
from aiolimiter import AsyncLimiter
from prometheus_client import CollectorRegistry

from .budget import CallBudget, SearchBudget
from .cache import Clock, SystemClock
from .feed import EventFeed
from .metrics import Metrics
from .query import EventQuery
from .redis_link import RedisLink
from .sample import SampleSource
from .settings import Settings
from .shared_allowance import SharedBudget, SharedRateLimiter
from .shared_cache import SharedSnapshots
from .ticketmaster import EventSource, Limiter, TicketmasterClient
from .views import FEED, METRICS, SETTINGS, routes

log = structlog.get_logger(__name__)
HTTP_SESSION = web.AppKey("http_session", aiohttp.ClientSession)


def create_app(
    settings: Settings,
    *,
    source: EventSource | None = None,
    clock: Clock | None = None,
    registry: CollectorRegistry | None = None,
) -> web.Application:
    """`source` replaces the upstream outright (tests); otherwise the key picks API or sample."""
    metrics = Metrics(registry or CollectorRegistry(), settings.app_color, settings.app_version)
    app = web.Application(middlewares=[metrics.middleware()])
    app[SETTINGS] = settings
    app[METRICS] = metrics
    aiohttp_jinja2.setup(
        app,
        loader=jinja2.PackageLoader("events_app", "templates"),
        autoescape=True,  # names come from a third party and must never become markup
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    app.cleanup_ctx.append(_upstream(source, clock or SystemClock()))
    app.on_shutdown.append(_draining)
    app.add_routes(routes)
    return app


async def _draining(app: web.Application) -> None:
    # Logged after the listener closes and before in-flight requests are awaited (SIGTERM).
    log.info("draining", shutdown_timeout=app[SETTINGS].shutdown_timeout)


def _upstream(source: EventSource | None, clock: Clock) -> Callable[[web.Application], AsyncIterator[None]]:
    async def context(app: web.Application) -> AsyncIterator[None]:
        settings = app[SETTINGS]
        session: aiohttp.ClientSession | None = None
        chosen = source
        # The sample costs no quota: nothing to share. A source passed in (tests) is treated as the API.
        quota = source is not None or settings.ticketmaster_api_key is not None
        link = _link(settings, clock, app[METRICS]) if quota else None
        if chosen is None and settings.ticketmaster_api_key is not None:
            timeout = aiohttp.ClientTimeout(
                total=settings.ticketmaster_timeout, connect=settings.ticketmaster_connect_timeout
            )
            # One session for the app's lifetime: pooled keep-alive connections to the API.
            session = app[HTTP_SESSION] = aiohttp.ClientSession(timeout=timeout, raise_for_status=False)
            chosen = TicketmasterClient(
                session,
                base_url=settings.ticketmaster_base_url,
                api_key=settings.ticketmaster_api_key,
                limiter=_limiter(settings, link),
                timeout=settings.ticketmaster_timeout,
                clock=clock,
                metrics=app[METRICS],
            )
        elif chosen is None:
            chosen = SampleSource()
        # The sample costs no quota; a source passed in (tests) is treated as the API.
        budget: SearchBudget | None = None if isinstance(chosen, SampleSource) else CallBudget(
            settings.events_search_budget, settings.events_search_window, clock
        )
        if link is not None and isinstance(budget, CallBudget):
            budget = SharedBudget(link, budget, limit=settings.events_search_budget,
                                  window=settings.events_search_window, clock=clock)
        feed = EventFeed(
            chosen,
            clock=clock,
            metrics=app[METRICS],
            ttl=settings.events_cache_ttl,
            max_entries=settings.events_cache_max_entries,
            page_size=settings.events_page_size,
            max_pages=settings.events_max_pages,
            stale_retry=settings.events_stale_retry,
            stale_wait=settings.events_stale_wait,
            top_up_within=settings.ticketmaster_timeout,
            default_query=EventQuery(country_code=settings.ticketmaster_country_code),
            partial_ttl=settings.events_partial_ttl,
            search_budget=budget,
        )
        if link is not None and settings.events_redis_share_results:
            feed.shared = SharedSnapshots(link, clock=clock, ttl_of=feed.fresh_for,
                                          fetch_within=settings.ticketmaster_timeout)
        app[FEED] = feed
        upstream = settings.ticketmaster_base_url if session is not None else None
        log.info("event_source_ready", source=chosen.name, base_url=upstream,
                 shared_allowance=None if link is None else link.where)
        try:
            yield
        finally:
            await feed.aclose()
            if session is not None:
                await session.close()
            if link is not None:
                await link.aclose()

    return context


def _link(settings: Settings, clock: Clock, metrics: Metrics) -> RedisLink | None:
    if settings.events_redis_url is None:
        return None
    return RedisLink(settings.events_redis_url, prefix=settings.events_redis_prefix, clock=clock,
                     api_key=settings.ticketmaster_api_key, timeout=settings.events_redis_timeout,
                     up=metrics.shared_allowance)


def _limiter(settings: Settings, link: RedisLink | None) -> Limiter:
    # Spaced, not bursty: at most one call per 1/rps s keeps every 1 s window in quota.
    local = AsyncLimiter(1, 1 / settings.ticketmaster_max_rps)
    if link is None:
        return local
    return SharedRateLimiter(link, local, rps=settings.ticketmaster_max_rps)
