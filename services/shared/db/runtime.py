"""The database in a service's lifecycle: opened and migrated before the broker is touched (a wrong URL fails
at once, in one line), then the projector follows the log once the bus is connected."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import structlog
from aiohttp import web

from services.shared.db.engine import describe
from services.shared.db.migrate import open_migrated
from services.shared.db.projector import Projector
from services.shared.db.releases import ReleaseDatabase
from services.shared.db.settings import DatabaseSettings
from services.shared.db.standby import ReadModel

log = structlog.get_logger(__name__)
DATABASE = web.AppKey("database", ReleaseDatabase)
READ_MODEL = web.AppKey("read_model", ReadModel)
Context = Callable[[web.Application], AsyncIterator[None]]


def database_ctx(settings: DatabaseSettings) -> Context:
    async def ctx(app: web.Application) -> AsyncIterator[None]:
        engine = await open_migrated(settings)
        try:
            app[DATABASE] = database = ReleaseDatabase(engine, settings.poll_interval)
            try:
                yield
            finally:
                await asyncio.to_thread(database.close)  # waits for a write in progress to end
        finally:
            await engine.dispose()

    return ctx


def projector_ctx(settings: DatabaseSettings, bus_key: web.AppKey, ready_key: web.AppKey, *,
                  preferred: bool = False) -> Context:
    """`preferred`: this service projects whenever it runs (the API); the others only while none of it runs."""
    async def ctx(app: web.Application) -> AsyncIterator[None]:
        model = ReadModel(Projector(app[bus_key], app[DATABASE], settings.batch_size, settings.linger),
                          settings.follow_interval, settings.lease_interval, preferred=preferred,
                          readiness=app[ready_key])  # not ready while a newer Greenlight's event waits
        await model.start(settings.catch_up_timeout)
        app[READ_MODEL] = model
        app[ready_key]["database"] = True
        log.info("read model ready", database=describe(settings), projecting=model.leading)
        yield
        await model.stop()

    return ctx

