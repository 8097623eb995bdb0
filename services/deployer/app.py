"""Wiring: the bus, the cluster (Platform), and the consumer of pushed, rejected and failed releases."""

from __future__ import annotations

from aiohttp import web

from services.deployer.handlers import STATES, Deployer
from services.deployer.outcomes import SERVICE
from services.deployer.settings import DeployerSettings
from services.shared.consumer import Subscription
from services.shared.platform import Platform
from services.shared.platforms import PLATFORM, platform_ctx
from services.shared.runtime import add_subscriptions, service_app


def create_app(settings: DeployerSettings, *, platform: Platform | None = None) -> web.Application:
    app = service_app(SERVICE, settings.bus)

    app.cleanup_ctx.append(platform_ctx(settings.kube, settings.platform, platform))
    add_subscriptions(app, lambda app: [
        Subscription(SERVICE, STATES, Deployer(app[PLATFORM], settings).handle),
    ])
    return app
