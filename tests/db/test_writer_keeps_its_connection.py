"""On SQLite each database thread keeps its connection between transactions (a check-out per transaction cost as
much CPU as a one-event fold), and a small transaction runs on the event loop's own thread when the database is
free at once (a hand-over to a thread cost more than it). That must change nothing a transaction sees: a write
still begins IMMEDIATE (it holds the write lock from its first statement), a failed one is rolled back and the next
one works on the same connection, a connection the driver lost is replaced, closing the database closes them all,
and the loop's thread never waits for a lock nor checkpoints."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from services.shared.db.engine import open_engine
from services.shared.db.migrate import migrate
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


def thread_of(_connection: sa.Connection) -> int:
    return threading.get_ident()


async def test_a_small_transaction_runs_on_the_loop_when_the_database_is_free(database: ReleaseDatabase) -> None:
    assert await database.writer.run(thread_of, small=True) == threading.get_ident()
    assert await database.reader.one_statement(thread_of) == threading.get_ident()
    assert await database.writer.run(thread_of) != threading.get_ident()  # not small: the writer's thread

    def waits_and_checkpoints(connection: sa.Connection) -> tuple[int, int]:
        pragma = connection.connection.driver_connection.execute  # type: ignore[union-attr]
        return pragma("PRAGMA busy_timeout").fetchone()[0], pragma("PRAGMA wal_autocheckpoint").fetchone()[0]

    # It never waits for a lock nor checkpoints (an fsync) on the loop; the threads do both.
    assert await database.writer.run(waits_and_checkpoints, small=True) == (0, 0)
    assert await database.writer.run(waits_and_checkpoints) == (30000, 1000)


async def test_a_small_write_finding_the_database_locked_waits_on_the_thread(database: ReleaseDatabase,
                                                                            sqlite_file: Path) -> None:
    other = sqlite3.connect(sqlite_file, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process's write, say
    write = asyncio.create_task(database.writer.run(thread_of, small=True))
    try:
        await asyncio.sleep(0)  # one loop turn: the task tries the loop's connection, finds it locked, hands over
        assert not write.done()
        other.execute("COMMIT")
        assert await asyncio.wait_for(write, 10) != threading.get_ident()
    finally:
        other.close()


async def test_every_so_many_small_writes_one_goes_to_the_thread(database: ReleaseDatabase,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """Its commit is the one that may checkpoint the WAL, so it does not grow without end."""
    monkeypatch.setattr("services.shared.db.transaction_runner.CHECKPOINT_AFTER", 2)
    threads = [await database.writer.run(thread_of, small=True) for _ in range(6)]
    loop = threading.get_ident()
    assert [t == loop for t in threads] == [True, True, False, True, True, False]
