"""An async SQLAlchemy engine for the small tables issue 19 adds (subscriptions, deliveries, hook claims).

Provisional: the tables are created with `create_all` until the release store's Alembic migrations
(issue 12) take them over. SQLite (aiosqlite) by default, PostgreSQL (asyncpg) via GREENLIGHT_DATABASE_URL.
"""

from __future__ import annotations

from sqlalchemy import MetaData
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///greenlight.db"


async def open_engine(url: str, *metadata: MetaData) -> AsyncEngine:
    engine = create_async_engine(url, pool_pre_ping=True)
    try:
        await _create_all(engine, metadata)
    except DBAPIError:
        # Two processes creating the same table at once: one wins, the other's second look finds it.
        await _create_all(engine, metadata)
    return engine


async def _create_all(engine: AsyncEngine, metadata: tuple[MetaData, ...]) -> None:
    async with engine.begin() as connection:
        for meta in metadata:
            await connection.run_sync(meta.create_all)
