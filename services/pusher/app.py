"""Wiring: settings → adapters (registry auth, v2 API, engine) → the `built` subscription."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from aiohttp import web

from services.pusher.engine import DockerPushEngine, PushEngine
from services.pusher.handlers import ACTOR, PushHandler
from services.pusher.settings import PusherSettings
from services.shared.consumer import Subscription
from services.shared.protocol import WORK_QUEUES
from services.shared.registry.api import RegistryApi
from services.shared.registry.auth import RegistryAuth
from services.shared.registry.settings import open_api, open_auth
from services.shared.runtime import METRICS, READY, add_subscriptions, service_app
from services.shared.startup import open_engine

HANDLER = web.AppKey("pusher_handler", PushHandler)


def create_app(settings: PusherSettings, *, engine: PushEngine | None = None,
               auth: RegistryAuth | None = None, registry: RegistryApi | None = None,
               queue: str | None = None) -> web.Application:
    """Adapters passed in are used as they are (tests wrap the real ones); the rest are made here."""
    app = service_app(ACTOR, settings.bus)

    async def adapters_ctx(app: web.Application) -> AsyncIterator[None]:
        async with contextlib.AsyncExitStack() as stack:
            app[HANDLER] = PushHandler(
                settings,
                auth or await open_auth(settings, stack, create_repositories=settings.ecr_create_repositories,
                                        tag_mutability=settings.ecr_tag_mutability),
                registry or await open_api(settings, stack),
                engine or await _make_engine(settings, stack),
                app[METRICS],
            )
            app[READY]["adapters"] = True
            yield

    app.cleanup_ctx.append(adapters_ctx)
    add_subscriptions(app, lambda app: [
        Subscription(ACTOR, WORK_QUEUES[ACTOR], app[HANDLER], queue=queue),
    ])
    return app


async def _make_engine(settings: PusherSettings, stack: contextlib.AsyncExitStack) -> PushEngine:
    docker = await open_engine(settings.docker_host, "GREENLIGHT_PUSHER_DOCKER_HOST")
    stack.push_async_callback(docker.close)
    return DockerPushEngine(docker, timeout=settings.push_timeout, call_timeout=settings.engine_timeout)
