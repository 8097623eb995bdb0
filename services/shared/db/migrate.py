"""Migrations: Alembic's, run at start-up under a lock so that several processes starting at once migrate one after
the other; a database already at HEAD skips Alembic altogether (it takes 0.17 s to import).

On PostgreSQL the lock is a session advisory lock, held across the migrations' transactions: an index on a table
being written to is built CONCURRENTLY, outside any transaction (migrations/online_index.py), and a transaction's
lock would be let go with the commit before it. A process waiting its turn asks with `pg_try_advisory_lock` between
pauses, holding no transaction: a concurrent build waits for every transaction whose snapshot is older than its own,
and a process blocked in `pg_advisory_lock` holds one while it waits, which deadlocked the build.

A database a newer Greenlight migrated (a rolling upgrade, a rollback of Greenlight itself) is used as it is if its
schema still serves this code, else refused (migrations/oldest_usable.py); looked at again under the lock.
"""

from __future__ import annotations

import asyncio
import fcntl
import logging
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import structlog
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.shared.db.engine import DatabaseUnavailable, check_reachable, discard, open_engine, writing
from services.shared.db.migrations.oldest_usable import started_on_newer
from services.shared.db.settings import DatabaseSettings

log = structlog.get_logger(__name__)
MIGRATIONS = Path(__file__).with_name("migrations")
HEAD = "0016"  # the newest migration: a database at it skips alembic (tests/db/test_migrations.py keeps it true)
MIGRATION_LOCK = 0x67_6C_64_62  # "gldb": PostgreSQL advisory lock key held while migrating
TURN_POLL = 0.5  # seconds between a waiting process's asks for the lock: only at a start that finds work to do


async def migrate(engine: AsyncEngine, revision: str = "head", *, down: bool = False) -> None:
    """Upgrade (or with `down`, downgrade) to `revision`; several processes starting at once migrate one
    after the other. A database migrated by a newer Greenlight than this one is refused in one line."""
    if revision == "head" and not down and await _at_head(engine):
        return  # the usual start: alembic (0.17 s to import) is not even loaded (nor on a newer, usable schema)
    # Alembic narrates every step on stdlib logging as plain text, its plugins' set-up already on import; the one
    # structured line `_alembic_upgrade` logs says the same.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    import alembic.util  # here, not at the top: see above

    try:
        await _migrate(engine, revision, down)
    except alembic.util.CommandError as exc:
        raise DatabaseUnavailable(
            f"cannot migrate the database at GREENLIGHT_DATABASE_URL: {exc}; a newer Greenlight migrated it "
            "(roll forward, or point GREENLIGHT_DATABASE_URL at a database of this version)") from None


async def _at_head(engine: AsyncEngine) -> bool:
    """True for a database this code starts on without migrating: at HEAD, or past it and still usable by it."""
    try:
        async with engine.connect() as connection:
            stored = (await connection.execute(sa.text("SELECT version_num FROM alembic_version"))).scalars().all()
            if len(stored) == 1 and await connection.run_sync(started_on_newer, stored[0], HEAD):
                return True  # or DatabaseUnavailable, when this code cannot use it
    except sa.exc.SQLAlchemyError:  # no such table: a new database
        return False
    return stored == [HEAD]


async def _migrate(engine: AsyncEngine, revision: str, down: bool) -> None:
    if engine.dialect.name == "sqlite":
        lock_path = f"{engine.url.database or 'memory'}.migrate.lock"
        with open(lock_path, "w") as lock:  # noqa: ASYNC230 - a tiny lock file, opened once at start-up
            await asyncio.to_thread(fcntl.flock, lock, fcntl.LOCK_EX)
            try:
                await _upgrade(engine, revision, down)
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)
        return
    await _upgrade(engine, revision, down)


async def _upgrade(engine: AsyncEngine, revision: str, down: bool) -> None:
    if engine.dialect.name != "postgresql":
        async with writing(engine) as connection:  # SQLite: one transaction, under the file lock
            await connection.run_sync(_alembic_upgrade, revision, down)
        return
    connection = await engine.connect()
    try:
        await _take_turn(connection)
        # No transaction around alembic's: it commits each migration, and the block a concurrent build needs.
        await connection.run_sync(_alembic_upgrade, revision, down)
        await connection.execute(sa.text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK})
        await connection.commit()
    except BaseException:
        await discard(connection)  # its session's lock goes with it, not back to the pool
        raise
    await connection.close()


async def _take_turn(connection: AsyncConnection) -> None:
    told = False
    while not (await connection.execute(sa.text("SELECT pg_try_advisory_lock(:key)"), {"key": MIGRATION_LOCK})
               ).scalar_one():
        await connection.commit()  # wait in no transaction: see the module's docstring
        if not told:  # a start that seems to hang says why
            log.info("waiting for another process to migrate the database")
            told = True
        await asyncio.sleep(TURN_POLL)
    await connection.commit()


def _alembic_upgrade(connection: sa.Connection, revision: str, down: bool) -> None:
    # Imported here, not at the top: loaded only when there is something to migrate.
    from alembic import command
    from alembic.runtime.migration import MigrationContext

    before = MigrationContext.configure(connection).get_current_revision()
    if revision == "head" and not down and started_on_newer(connection, before, HEAD):
        return  # a newer replica migrated while this one waited its turn
    if connection.dialect.name == "postgresql":
        connection.commit()  # that read began a transaction, which alembic would take for the caller's
    config = alembic_config()
    config.attributes["connection"] = connection
    (command.downgrade if down else command.upgrade)(config, revision)
    after = MigrationContext.configure(connection).get_current_revision()
    if connection.dialect.name == "postgresql":
        connection.commit()
    if after != before:
        log.info("database migrated", before=before, after=after)


def alembic_config() -> Any:
    from alembic.config import Config  # here, not at the top: loaded only when there is something to migrate

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


async def open_migrated(settings: DatabaseSettings) -> AsyncEngine:
    """An engine on a reachable database at this code's schema; DatabaseUnavailable (one line) otherwise."""
    engine = open_engine(settings)
    try:
        await check_reachable(engine, settings)
        if not await _at_head(engine):
            # A schema change may take minutes on a long history: past the statement timeout every request has.
            migrator = open_engine(settings.model_copy(update={"statement_timeout": 0}))
            try:
                await migrate(migrator)
            finally:
                await migrator.dispose()
    except BaseException:
        await engine.dispose()
        raise
    return engine
