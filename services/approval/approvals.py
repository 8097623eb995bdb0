"""Approvals given so far to a release that needs several: durable (the read model's `greenlight_approvals`
table) so a restart loses none, and the primary key (release, approver) is the arbiter, so a repeated or
concurrent approval by one person counts once whatever the number of API replicas."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from services.shared.db.rows import utc
from services.shared.db.schema import greenlight_approvals as table


@dataclass(frozen=True)
class Given:
    by: str
    at: datetime
    comment: str | None


class Approvals:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def give(self, release_id: str, by: str, at: datetime, comment: str | None) -> bool:
        """Record `by`'s approval; False when they had approved already (the first one counts)."""
        try:
            async with self.engine.begin() as connection:
                await connection.execute(sa.insert(table).values(
                    release_id=release_id, approver=by, approved_at=at, comment=comment))
        except IntegrityError:
            return False
        return True

    async def withdraw(self, release_id: str, by: str) -> None:
        """Undo an approval recorded while the release was decided otherwise (handlers.py), so that what it shows
        as given is what it got while it awaited approval."""
        async with self.engine.begin() as connection:
            await connection.execute(sa.delete(table).where(table.c.release_id == release_id,
                                                            table.c.approver == by))

    async def given(self, release_id: str) -> list[Given]:
        async with self.engine.connect() as connection:
            rows = (await connection.execute(sa.select(table).where(table.c.release_id == release_id)
                                             .order_by(table.c.approved_at, table.c.approver))).all()
        return [Given(row.approver, utc(row.approved_at), row.comment) for row in rows]
