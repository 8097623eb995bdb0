"""Wiring: the bus, the cluster (Platform), and the consumer of pushed, rejected and failed releases."""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from services.deployer.handlers import SERVICE, STATES, Deployer
from services.deployer.settings import DeployerSettings
from services.shared.consumer import Subscription
from services.shared.kube import open_kube_platform
from services.shared.platform import Platform
from services.shared.runtime import READY, add_subscriptions, service_app

PLATFORM = web.AppKey("platform", Platform)


def create_app(settings: DeployerSettings, *, platform: Platform | None = None) -> web.Application:
    app = service_app(SERVICE, settings.bus)

    async def platform_ctx(app: web.Application) -> AsyncIterator[None]:
        if platform is not None:
            app[PLATFORM] = platform
            yield
            return
        async with open_kube_platform(settings.kube) as kube:
            app[PLATFORM] = kube
            app[READY]["platform"] = True
            yield

    app.cleanup_ctx.append(platform_ctx)
    add_subscriptions(app, lambda app: [
        Subscription(SERVICE, STATES, Deployer(app[PLATFORM], settings).handle),
    ])
    return app
