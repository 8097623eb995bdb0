"""On SQLite each database thread keeps its connection between transactions (a check-out per transaction cost as
much CPU as a one-event fold), and that must change nothing a transaction sees: a write still begins IMMEDIATE
(it holds the write lock from its first statement), a failed one is rolled back and the next one works on the same
connection, a connection the driver lost is replaced, and closing the database closes them all."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from services.shared.db.engine import migrate, open_engine
from services.shared.db.releases import ReleaseDatabase
from services.shared.db.schema import projection
from services.shared.db.settings import DatabaseSettings

MARK = sa.text("INSERT INTO projection (stream, log_offset, updated_at) VALUES (:s, 1, CURRENT_TIMESTAMP)")


@pytest.fixture
async def sqlite_file(tmp_path: Path) -> Path:
    return tmp_path / "read-model.db"


@pytest.fixture
async def database(sqlite_file: Path) -> AsyncIterator[ReleaseDatabase]:
    settings = DatabaseSettings(GREENLIGHT_DATABASE_URL=f"sqlite+aiosqlite:///{sqlite_file}")  # type: ignore[call-arg]
    engine: AsyncEngine = open_engine(settings)
    await migrate(engine)
    database = ReleaseDatabase(engine)
    yield database
    database.close()
    await engine.dispose()


def driver_connection(connection: sa.Connection) -> sqlite3.Connection:
    return connection.connection.driver_connection  # type: ignore[return-value]


def streams(connection: sa.Connection) -> list[str]:
    return [row[0] for row in connection.execute(sa.select(projection.c.stream).order_by(projection.c.stream))]


def itself(connection: sa.Connection) -> sa.Connection:
    return connection


async def test_one_connection_serves_every_transaction_of_a_thread(database: ReleaseDatabase) -> None:
    first = await database.writer.run(itself)
    assert await database.writer.run(itself) is first
    assert not first.closed and first.get_execution_options().get("greenlight_write")
    assert await database.reader.run(driver_connection) is not driver_connection(first)  # readers have their own


async def test_a_write_holds_the_write_lock_from_its_start(database: ReleaseDatabase, sqlite_file: Path) -> None:
    """BEGIN IMMEDIATE: another connection cannot begin a write while ours is open, even before it wrote."""
    def try_to_write_beside(_connection: sa.Connection) -> str:
        other = sqlite3.connect(sqlite_file, timeout=0, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            return str(exc)
        finally:
            other.close()
        return "began"

    assert await database.writer.run(try_to_write_beside) == "database is locked"
    assert await database.reader.run(try_to_write_beside) == "began"  # a read begins deferred


async def test_a_failed_transaction_is_rolled_back_and_the_next_works(database: ReleaseDatabase) -> None:
    def write_then_fail(connection: sa.Connection) -> None:
        connection.execute(MARK, {"s": "lost"})
        raise RuntimeError("the fold failed")

    with pytest.raises(RuntimeError, match="the fold failed"):
        await database.writer.run(write_then_fail)
    await database.writer.run(lambda connection: connection.execute(MARK, {"s": "kept"}))
    assert await database.reader.run(streams) == ["kept"]


async def test_an_invalidated_connection_is_replaced(database: ReleaseDatabase) -> None:
    lost: list[sqlite3.Connection] = []

    def lose_it(connection: sa.Connection) -> None:
        """As the driver layer does on a disconnect error (driver.py): invalidate, then raise."""
        lost.append(driver_connection(connection))
        connection.invalidate()
        raise sa.exc.OperationalError("SELECT 1", (), sqlite3.OperationalError("disk I/O error"))

    with pytest.raises(sa.exc.OperationalError):
        await database.writer.run(lose_it)
    assert await database.writer.run(driver_connection) is not lost[0]
    assert await database.writer.run(streams) == []


async def test_closing_the_database_closes_the_kept_connections(database: ReleaseDatabase) -> None:
    kept = [await database.writer.run(driver_connection), await database.reader.run(driver_connection)]
    database.close()
    for connection in kept:
        with pytest.raises(sqlite3.ProgrammingError, match="closed"):
            connection.execute("SELECT 1")
