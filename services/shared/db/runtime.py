"""The database in a service's lifecycle: open, migrate, project the log, close (one cleanup context)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import structlog
from aiohttp import web

from services.shared.db.engine import check_reachable, describe, migrate, open_engine
from services.shared.db.projector import Projector
from services.shared.db.releases import ReleaseDatabase
from services.shared.db.settings import DatabaseSettings

log = structlog.get_logger(__name__)
DATABASE = web.AppKey("database", ReleaseDatabase)
PROJECTOR = web.AppKey("projector", Projector)


def database_ctx(settings: DatabaseSettings, bus_key: web.AppKey, ready_key: web.AppKey
                 ) -> Callable[[web.Application], AsyncIterator[None]]:
    async def ctx(app: web.Application) -> AsyncIterator[None]:
        engine = open_engine(settings)
        try:
            await check_reachable(engine, settings)
            await migrate(engine)
            database = ReleaseDatabase(engine, settings.poll_interval)
            projector = Projector(app[bus_key], database, settings.batch_size)
            await projector.start()
            app[DATABASE], app[PROJECTOR] = database, projector
            app[ready_key]["database"] = True
            log.info("read model ready", database=describe(settings))
            yield
            await projector.stop()
        finally:
            await engine.dispose()

    return ctx
