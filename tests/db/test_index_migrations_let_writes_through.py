"""While a migration adds an index to a table services write to (0006's claims, 0007's and 0009's events, 0010's
releases), an insert into that table from another connection goes through: on PostgreSQL the index is built
CONCURRENTLY.

A plain CREATE INDEX takes a SHARE lock on the table for the whole build, and every insert queued behind it: at the
first start after an upgrade, event writes (every replica's projector) waited about 3 s per 600,000 events. Here a
transaction that wrote a row is held open, so that the build (either kind) waits for it with the migration under
way; an insert from a third connection, whose lock_timeout turns any wait for a lock into an error, must complete
meanwhile. The lock observation makes it independent of the machine's speed.
"""

from __future__ import annotations

import asyncio

import pytest
import sqlalchemy as sa

from services.shared.db.engine import open_engine
from services.shared.db.migrate import migrate
from services.shared.db.settings import DatabaseSettings
from tests.db.index_builds import BUILDS, ROWS, IndexBuild, add_one, filled_before, index_state, until_waiting_on_a_lock


@pytest.mark.parametrize("build", BUILDS, ids=str)
async def test_an_insert_completes_while_the_index_is_built(postgres_url: str, build: IndexBuild) -> None:
    settings = DatabaseSettings(GREENLIGHT_DATABASE_URL=postgres_url)  # type: ignore[call-arg]
    engine, migrator = open_engine(settings), open_engine(settings)
    try:
        await filled_before(engine, build)
        async with engine.connect() as holder, engine.connect() as watcher, engine.connect() as writer:
            await add_one(holder, build, 0)  # its transaction stays open: the build waits for it
            upgrade = asyncio.create_task(migrate(migrator, build.revision))
            try:
                await until_waiting_on_a_lock(watcher, upgrade)
                assert not upgrade.done(), "the migration ended while a write to its table was open"
                await writer.execute(sa.text("SET lock_timeout = '2s'"))
                written: Exception | None = None
                try:
                    await add_one(writer, build, 1)
                    await writer.commit()
                except sa.exc.DBAPIError as exc:  # lock_timeout: the insert waited for the migration's lock
                    written = exc
                    await writer.rollback()
            finally:
                await holder.commit()
                async with asyncio.timeout(60):
                    await upgrade
        assert written is None, f"an insert into {build.table} waited for the migration: {written}"
        valid, definition = await index_state(engine, build.index) or (False, "none")
        assert valid and build.shows in definition, definition
        async with engine.connect() as connection:
            count = (await connection.execute(sa.text(f"SELECT count(*) FROM {build.table}"))).scalar_one()
        assert count == ROWS + 2
    finally:
        await engine.dispose()
        await migrator.dispose()
