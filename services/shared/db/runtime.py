"""The database in a service's lifecycle: opened and migrated before the broker is touched (a wrong URL fails
at once, in one line), then the projector follows the log once the bus is connected."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import structlog
from aiohttp import web

from services.shared.db.engine import describe, open_migrated
from services.shared.db.projector import Projector
from services.shared.db.releases import ReleaseDatabase
from services.shared.db.settings import DatabaseSettings

log = structlog.get_logger(__name__)
DATABASE = web.AppKey("database", ReleaseDatabase)
PROJECTOR = web.AppKey("projector", Projector)
Context = Callable[[web.Application], AsyncIterator[None]]


def database_ctx(settings: DatabaseSettings) -> Context:
    async def ctx(app: web.Application) -> AsyncIterator[None]:
        engine = await open_migrated(settings)
        try:
            app[DATABASE] = ReleaseDatabase(engine, settings.poll_interval)
            yield
        finally:
            await engine.dispose()

    return ctx


def projector_ctx(settings: DatabaseSettings, bus_key: web.AppKey, ready_key: web.AppKey) -> Context:
    async def ctx(app: web.Application) -> AsyncIterator[None]:
        projector = Projector(app[bus_key], app[DATABASE], settings.batch_size)
        await projector.start()
        app[PROJECTOR] = projector
        app[ready_key]["database"] = True
        log.info("read model ready", database=describe(settings))
        yield
        await projector.stop()

    return ctx
