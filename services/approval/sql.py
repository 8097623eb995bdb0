"""The approval service's SQL tables (hook claims, subscriptions), opened on first use.

Lazily, so an API that never receives a hook or a subscription call never touches a database.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from services.approval.hook_claims import metadata as claims_metadata
from services.shared.sqlengine import open_engine
from services.shared.subscriptions import metadata as subscriptions_metadata


class LazyEngine:
    def __init__(self, url: str) -> None:
        self.url = url
        self._engine: AsyncEngine | None = None
        self._lock = asyncio.Lock()

    async def get(self) -> AsyncEngine:
        async with self._lock:
            if self._engine is None:
                self._engine = await open_engine(self.url, claims_metadata, subscriptions_metadata)
            return self._engine

    async def dispose(self) -> None:
        if self._engine is not None:
            await self._engine.dispose()


SQL = web.AppKey("sql", LazyEngine)


def add_sql(app: web.Application, url: str) -> None:
    async def ctx(app: web.Application) -> AsyncIterator[None]:
        app[SQL] = engine = LazyEngine(url)
        yield
        await engine.dispose()

    app.cleanup_ctx.append(ctx)
