"""Claims that make hooks idempotent across API replicas: a delivery id or a pushed commit is acted on by
whoever inserts its row first (the read model's `greenlight_hook_claims` table); the primary key is the arbiter,
so it holds with any number of replicas on one database."""

from __future__ import annotations

from sqlalchemy import delete, insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from services.shared.db import schema
from services.shared.release import utcnow

claims = schema.greenlight_hook_claims


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
