"""Wiring: settings → adapters (git, hadolint, engine) → the `requested` subscription."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import aiodocker
import structlog
from aiohttp import web

from services.builder.checkouts import SourceFetcher, purge_stale_workdirs
from services.builder.engine import DockerEngine
from services.builder.engine_images import EngineImages, ImageStore
from services.builder.handlers import ACTOR, BuildHandler
from services.builder.image_builds import BuildEngine
from services.builder.lint import Hadolint, Linter, find_hadolint
from services.builder.retention import ImageRetention
from services.builder.settings import BuilderSettings
from services.builder.source import GitCli
from services.shared.consumer import Subscription
from services.shared.protocol import WORK_QUEUES
from services.shared.registry.lookup import ImageLookup, RegistryLookup
from services.shared.registry.settings import open_api, open_auth
from services.shared.runtime import METRICS, READY, add_subscriptions, service_app
from services.shared.startup import open_engine

log = structlog.get_logger(__name__)
ENGINE = web.AppKey("builder_engine", BuildEngine)
IMAGES = web.AppKey("builder_images", ImageStore)
HANDLER = web.AppKey("builder_handler", BuildHandler)


def create_app(settings: BuilderSettings, *, engine: BuildEngine | None = None,
               source: SourceFetcher | None = None, linter: Linter | None = None,
               lookup: ImageLookup | None = None, images: ImageStore | None = None,
               queue: str | None = None) -> web.Application:
    """Adapters passed in are used as they are (tests wrap the real ones); the rest are made here. Old images are
    removed (retention.py) through `images`, or the engine's own client when the engine is made here."""
    app = service_app(ACTOR, settings.bus)

    async def engine_ctx(app: web.Application) -> AsyncIterator[None]:
        docker: aiodocker.Docker | None = None
        if engine is None:
            docker = await open_engine(settings.docker_host, "GREENLIGHT_BUILDER_DOCKER_HOST")
            app[ENGINE] = DockerEngine(docker, timeout=settings.build_timeout,
                                       tail_lines=settings.log_tail_lines, call_timeout=settings.engine_timeout)
            app[IMAGES] = EngineImages(docker, call_timeout=settings.engine_timeout)
        else:
            app[ENGINE] = engine
        if images is not None:
            app[IMAGES] = images
        app[READY]["engine"] = True
        yield
        if docker is not None:
            await docker.close()

    async def handler_ctx(app: web.Application) -> AsyncIterator[None]:
        stack = contextlib.AsyncExitStack()
        registry = lookup
        if registry is None and settings.registry_lookup:
            registry = RegistryLookup(await open_auth(settings, stack), await open_api(settings, stack))
        stale_after = settings.clone_timeout + settings.build_timeout
        if removed := purge_stale_workdirs(settings.work_root, stale_after):
            log.info("removed stale work dirs", count=removed)
        app[HANDLER] = BuildHandler(
            settings,
            source or GitCli(binary=settings.git_binary, timeout=settings.clone_timeout,
                             max_bytes=settings.max_repo_bytes, work_root=settings.work_root,
                             repositories=settings.repository),
            linter or Hadolint(find_hadolint(settings.hadolint_binary), settings.lint_timeout,
                               trusted_registries=settings.lint_trusted_registries,
                               honour_pragmas=settings.lint_repository_config, max_memory=settings.lint_max_memory),
            app[ENGINE], app[METRICS], registry,
            ImageRetention(app[IMAGES], keep=settings.keep_images, timeout=settings.prune_timeout)
            if IMAGES in app else None,
        )
        async with stack:
            yield

    app.cleanup_ctx.append(engine_ctx)
    app.cleanup_ctx.append(handler_ctx)
    add_subscriptions(app, lambda app: [
        Subscription(ACTOR, WORK_QUEUES[ACTOR], app[HANDLER], queue=queue),
    ])
    return app
