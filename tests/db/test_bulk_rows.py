"""The fold's fast executemany stores exactly what SQLAlchemy's own would: the same rows, read back the same,
on SQLite and PostgreSQL (times with zones, booleans, NULLs and an UPDATE keyed by a renamed parameter)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from services.shared.db.bulk import execute_many
from services.shared.db.engine import migrate
from services.shared.db.schema import releases

INSERT = releases.insert()
UPDATE = releases.update().where(releases.c.id == sa.bindparam("k_id"))
NOW = datetime(2026, 12, 1, 23, 59, 58, 123456, tzinfo=UTC)


def rows(prefix: str) -> list[dict[str, object]]:
    return [{"id": f"{prefix}{i}", "app": f"{prefix}demo", "state": "live", "seq": i,
             "colour": None if i % 2 else "blue", "requested_by": "alice", "approver": None,
             "in_flight": bool(i % 2), "snapshot": "{}",
             "created_at": NOW + timedelta(seconds=i),
             "updated_at": (NOW + timedelta(minutes=i)).astimezone(timezone(timedelta(hours=2)))}
            for i in range(3)]


async def stored(engine: AsyncEngine, prefix: str) -> list[tuple[object, ...]]:
    async with engine.connect() as connection:
        found = await connection.execute(sa.select(releases).where(releases.c.id.like(f"{prefix}%"))
                                          .order_by(releases.c.id))
        return [tuple(value for key, value in row._mapping.items() if key not in ("id", "app")) for row in found]


async def test_the_same_rows_as_sqlalchemy_stores(engine: AsyncEngine) -> None:
    await migrate(engine)
    async with engine.begin() as connection:
        await connection.execute(INSERT, rows("sa-"))
        await connection.run_sync(execute_many, INSERT, rows("bulk-"))
    assert await stored(engine, "bulk-") == await stored(engine, "sa-")
    assert len(await stored(engine, "bulk-")) == 3

    def update(prefix: str) -> list[dict[str, object]]:
        return [{"k_id": f"{prefix}{i}", "state": "superseded", "in_flight": False, "updated_at": NOW}
                for i in range(3)]

    async with engine.begin() as connection:
        await connection.execute(UPDATE, update("sa-"))
        await connection.run_sync(execute_many, UPDATE, update("bulk-"))
    after = await stored(engine, "bulk-")
    assert after == await stored(engine, "sa-")
    assert {row[0] for row in after} == {"superseded"}
