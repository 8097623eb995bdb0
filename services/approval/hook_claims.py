"""Claims that make hooks idempotent across API replicas: a delivery id or a pushed commit is acted on by
whoever inserts its row first. SQLAlchemy Core on its own table (`create_all` until issue 12's migrations
take it over); the primary key is the arbiter, so it holds with any number of replicas on one database."""

from __future__ import annotations

from sqlalchemy import Column, DateTime, MetaData, String, Table, delete, insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from services.shared.release import utcnow

metadata = MetaData()
claims = Table(
    "greenlight_hook_claims", metadata,
    Column("key", String(400), primary_key=True),
    Column("claimed_at", DateTime(timezone=True), nullable=False),
)


class Claims:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def claim(self, key: str) -> bool:
        """True for the first claim of `key`, False for every later one."""
        try:
            async with self.engine.begin() as connection:
                await connection.execute(insert(claims).values(key=key[:400], claimed_at=utcnow()))
        except IntegrityError:
            return False
        return True

    async def release(self, key: str) -> None:
        """Undo a claim whose action did not happen, so a redelivery may try again."""
        async with self.engine.begin() as connection:
            await connection.execute(delete(claims).where(claims.c.key == key[:400]))
