"""The approval service's own tables (hook claims, subscriptions) in its release database, made on first use."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from services.approval.hook_claims import metadata as claims_metadata
from services.shared.db.runtime import DATABASE
from services.shared.sqlengine import ensure_tables
from services.shared.subscriptions import metadata as subscriptions_metadata


class Tables:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._ready = False
        self._lock = asyncio.Lock()

    async def get(self) -> AsyncEngine:
        """The engine, once the tables exist: an API that never sees a hook or subscription call never adds them."""
        async with self._lock:
            if not self._ready:
                await ensure_tables(self.engine, claims_metadata, subscriptions_metadata)
                self._ready = True
        return self.engine


SQL = web.AppKey("sql", Tables)


def add_sql(app: web.Application) -> None:
    async def ctx(app: web.Application) -> AsyncIterator[None]:
        app[SQL] = Tables(app[DATABASE].engine)  # the database context opened (and will dispose) it
        yield

    app.cleanup_ctx.append(ctx)
