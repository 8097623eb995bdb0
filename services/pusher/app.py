"""Wiring: settings → adapters (registry auth, v2 API, engine) → the `built` subscription."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import httpx
from aiohttp import web

from services.pusher.auth import RegistryAuth, StaticAuth
from services.pusher.ecr import EcrAuth, ecr_client
from services.pusher.engine import DockerPushEngine, PushEngine
from services.pusher.handlers import ACTOR, PushHandler
from services.pusher.registry import HttpRegistryApi, RegistryApi
from services.pusher.settings import PusherSettings
from services.shared.consumer import Subscription
from services.shared.protocol import WORK_QUEUES
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
                auth or await _make_auth(settings, stack),
                registry or HttpRegistryApi(
                    await stack.enter_async_context(httpx.AsyncClient(timeout=settings.http_timeout)),
                    settings.registry_scheme),
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


async def _make_auth(settings: PusherSettings, stack: contextlib.AsyncExitStack) -> RegistryAuth:
    if settings.registry_auth == "static":
        return StaticAuth(settings.registry, settings.registry_username, settings.registry_password,
                          settings.registry_token)
    client = await stack.enter_async_context(ecr_client(settings.aws_region))
    return EcrAuth(client, registry_id=settings.ecr_registry_id,
                   create_repositories=settings.ecr_create_repositories,
                   tag_mutability=settings.ecr_tag_mutability,
                   registry_override=settings.ecr_registry_override)


async def _make_engine(settings: PusherSettings, stack: contextlib.AsyncExitStack) -> PushEngine:
    docker = await open_engine(settings.docker_host, "GREENLIGHT_PUSHER_DOCKER_HOST")
    stack.push_async_callback(docker.close)
    return DockerPushEngine(docker, timeout=settings.push_timeout)
