"""The fold's statements through the driver's cursor do exactly what SQLAlchemy's own would, on SQLite and
PostgreSQL: the same rows stored and read back (times with zones, booleans, NULLs, an UPDATE keyed by a renamed
parameter), the same rows found (expanding lists, literals bound when the statement was built), and the same
exceptions raised (a unique violation is SQLAlchemy's IntegrityError, which the fold's callers catch)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from services.shared.db.appstate import _CURRENT_ROWS
from services.shared.db.driver import execute_many, fetch
from services.shared.db.migrate import migrate
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


async def test_the_same_rows_found_and_the_same_errors_raised(engine: AsyncEngine) -> None:
    await migrate(engine)
    async with engine.begin() as connection:
        await connection.execute(INSERT, rows("found-"))
    names = {"names": ["found-demo", "nobody"]}
    async with engine.connect() as connection:
        expected = (await connection.execute(_CURRENT_ROWS, names)).tuples().all()
        found = await connection.run_sync(fetch, _CURRENT_ROWS, names)
        # `live` (a literal list bound when the statement was built) or in flight: all three, found-1 as both.
        assert [row[:5] for row in found] == [row[:5] for row in expected]
        assert sorted(row[0] for row in found) == ["found-0", "found-1", "found-1", "found-2"]
        by_id = sa.select(releases.c.id).where(releases.c.id.in_(sa.bindparam("ids", expanding=True)))
        assert await connection.run_sync(fetch, by_id, {"ids": ["found-1"]}) == [("found-1",)]
        assert sorted(await connection.run_sync(fetch, by_id, {"ids": ["found-0", "found-2", "x"]})) == [
            ("found-0",), ("found-2",)]
    with pytest.raises(sa.exc.IntegrityError):
        async with engine.begin() as connection:
            await connection.run_sync(execute_many, INSERT, rows("found-")[:1])
    async with engine.connect() as connection:  # the connection the error came from still serves
        assert len(await connection.run_sync(fetch, by_id, {"ids": ["found-0"]})) == 1
