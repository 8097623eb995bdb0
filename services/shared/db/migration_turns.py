"""Migrating one process at a time: several processes starting at once migrate one after the other (migrate.py
runs Alembic under this).

On PostgreSQL the lock is a session advisory lock, held across the migrations' transactions: an index on a table
being written to is built CONCURRENTLY, outside any transaction (migrations/online_index.py), and a transaction's
lock would be let go with the commit before it. A process waiting its turn asks with `pg_try_advisory_lock` between
pauses, holding no transaction: a concurrent build waits for every transaction whose snapshot is older than its own,
and a process blocked in `pg_advisory_lock` holds one while it waits, which deadlocked the build.
On SQLite the lock is a file lock beside the database, around one transaction.
"""

from __future__ import annotations

import asyncio
import fcntl
from collections.abc import Callable

import sqlalchemy as sa
import structlog
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.shared.db.engine import discard, writing

log = structlog.get_logger(__name__)
MIGRATION_LOCK = 0x67_6C_64_62  # "gldb": PostgreSQL advisory lock key held while migrating
TURN_POLL = 0.5  # seconds between a waiting process's asks for the lock: only at a start that finds work to do
# What runs in turn: `upgrade(connection, revision, down)` (migrate.py's Alembic run).
Upgrade = Callable[[sa.Connection, str, bool], None]


async def in_turn(engine: AsyncEngine, upgrade: Upgrade, revision: str, down: bool) -> None:
    """`upgrade(connection, revision, down)` once this process's turn has come: no other migrates meanwhile."""
    if engine.dialect.name == "sqlite":
        lock_path = f"{engine.url.database or 'memory'}.migrate.lock"
        with open(lock_path, "w") as lock:  # noqa: ASYNC230 - a tiny lock file, opened once at start-up
            await asyncio.to_thread(fcntl.flock, lock, fcntl.LOCK_EX)
            try:
                await _upgrade(engine, upgrade, revision, down)
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)
        return
    await _upgrade(engine, upgrade, revision, down)


async def _upgrade(engine: AsyncEngine, upgrade: Upgrade, revision: str, down: bool) -> None:
    if engine.dialect.name != "postgresql":
        async with writing(engine) as connection:  # SQLite: one transaction, under the file lock
            await connection.run_sync(upgrade, revision, down)
        return
    connection = await engine.connect()
    try:
        await _take_turn(connection)
        # No transaction around alembic's: it commits each migration, and the block a concurrent build needs.
        await connection.run_sync(upgrade, revision, down)
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

