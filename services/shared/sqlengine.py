"""Tables issue 19 adds (subscriptions, delivery records, hook claims) in the release database.

Provisional: created with `create_all` on the read model's engine (services/shared/db) until they get an
Alembic migration of their own; `create_all` only adds what is missing, so it is safe on every start.
"""

from __future__ import annotations

from sqlalchemy import MetaData
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine


async def ensure_tables(engine: AsyncEngine, *metadata: MetaData) -> None:
    try:
        await _create_all(engine, metadata)
    except DBAPIError:
        # Two processes creating the same table at once: one wins, the other's second look finds it.
        await _create_all(engine, metadata)


async def _create_all(engine: AsyncEngine, metadata: tuple[MetaData, ...]) -> None:
    async with engine.begin() as connection:
        for meta in metadata:
            await connection.run_sync(meta.create_all)
