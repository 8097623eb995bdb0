"""The approval service's other tables (hook claims, subscriptions): the read model's engine, whose migrations made
them when the service started."""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from services.shared.db.runtime import DATABASE


class Tables:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def get(self) -> AsyncEngine:
        return self.engine


SQL = web.AppKey("sql", Tables)


def add_sql(app: web.Application) -> None:
    async def ctx(app: web.Application) -> AsyncIterator[None]:
        app[SQL] = Tables(app[DATABASE].engine)  # the database context opened (and will dispose) it
        yield

    app.cleanup_ctx.append(ctx)
