"""Wiring: the bus, one HTTP session for both probes, and the consumer of analysing and verifying releases."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
from aiohttp import web

from services.analysis.handlers import SERVICE, STATES, Analyst
from services.analysis.http_probe import HttpProbe
from services.analysis.probes import PrometheusProbe
from services.analysis.settings import AnalysisSettings
from services.shared.consumer import Subscription
from services.shared.runtime import add_subscriptions, service_app

SESSION = web.AppKey("session", aiohttp.ClientSession)


def create_app(settings: AnalysisSettings) -> web.Application:
    app = service_app(SERVICE, settings.bus)

    async def session_ctx(app: web.Application) -> AsyncIterator[None]:
        # No cookie jar: a check must not carry state from one measurement to the next.
        async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as session:
            app[SESSION] = session
            yield

    app.cleanup_ctx.append(session_ctx)
    add_subscriptions(app, lambda app: [Subscription(SERVICE, STATES, Analyst({
        "http": HttpProbe(app[SESSION]),
        "prometheus": PrometheusProbe(app[SESSION], settings.prometheus_url, settings.prometheus_timeout),
    }, settings).handle)])
    return app
