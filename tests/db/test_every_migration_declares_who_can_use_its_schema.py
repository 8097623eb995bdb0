"""Every migration from 0011 on names itself in `greenlight_oldest_usable`, saying which older code can use the
schema it leaves (migrations/oldest_usable.py): one that forgot would leave older replicas refusing a database they
could use. 0011 itself, from the previous revision with data: the table appears holding (0011, 0010), the data
stays, the schema is the code's; and it goes again on a downgrade."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from services.shared.db.engine import writing
from services.shared.db.migrate import HEAD, migrate
from tests.db.test_migrations import _differences

FIRST = 11  # the migration that brought the rule


async def _declared(engine: AsyncEngine) -> tuple[str, str] | None:
    async with engine.connect() as connection:
        row = (await connection.execute(sa.text("SELECT revision, oldest_usable FROM greenlight_oldest_usable"))
               ).one_or_none()
    return None if row is None else (row.revision, row.oldest_usable)


async def test_every_migration_declares_who_can_use_its_schema(engine: AsyncEngine) -> None:
    await migrate(engine, f"{FIRST - 1:04d}")
    async with writing(engine) as connection:
        await connection.execute(sa.text(
            "INSERT INTO greenlight_approvals (release_id, approver, approved_at) VALUES ('r1', 'ann', :t)"),
            {"t": datetime.now(UTC)})
    await migrate(engine, f"{FIRST:04d}")
    assert await _declared(engine) == ("0011", "0010")  # it only adds a table: 0010's code can use the schema
    for number in range(FIRST + 1, int(HEAD) + 1):
        await migrate(engine, f"{number:04d}")
        declared = await _declared(engine)
        assert declared is not None and declared[0] == f"{number:04d}", declared
        assert int(declared[1]) <= number
    async with engine.connect() as connection:
        approvals = (await connection.execute(sa.text("SELECT approver FROM greenlight_approvals"))).scalars().all()
        assert await connection.run_sync(_differences) == []
    assert approvals == ["ann"]
    await migrate(engine, f"{FIRST - 1:04d}", down=True)
    async with engine.connect() as connection:
        tables = await connection.run_sync(lambda c: set(sa.inspect(c).get_table_names()))
    assert "greenlight_oldest_usable" not in tables and "greenlight_approvals" in tables
