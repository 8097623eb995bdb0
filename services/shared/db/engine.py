"""Opening the database: one engine per process, SQLite tuned for several processes, migrations under a lock.

SQLite: WAL (readers never wait for the writer), `synchronous=NORMAL` (a commit is durable once the WAL is
synced at checkpoint: an OS crash may lose the last commits, which the projector re-folds from its offset),
and write transactions that start with BEGIN IMMEDIATE, because a deferred transaction that read first and then
tries to write fails at once with "database is locked" instead of waiting (SQLAlchemy's pysqlite notes).
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import structlog
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from services.shared.db.driver import run_driver_sql
from services.shared.db.settings import DatabaseSettings
from services.shared.settings import StartupError

log = structlog.get_logger(__name__)
MIGRATIONS = Path(__file__).with_name("migrations")
HEAD = "0005"  # the newest migration: a database at it skips alembic (tests/db/test_migrations.py keeps it true)
WRITE = "greenlight_write"
MIGRATION_LOCK = 0x67_6C_64_62  # "gldb": PostgreSQL advisory lock key held while migrating


class DatabaseUnavailable(StartupError):
    """The one line a service prints when it cannot use its database."""


def open_engine(settings: DatabaseSettings) -> AsyncEngine:
    try:
        return _open_engine(settings)
    except (sa.exc.SQLAlchemyError, ImportError) as exc:  # not a URL; an unknown, missing or sync driver
        raise DatabaseUnavailable(
            f"GREENLIGHT_DATABASE_URL is not a database URL Greenlight can use ({str(exc).splitlines()[0][:160]}); "
            "use sqlite+aiosqlite:///path/to/file.db or postgresql+asyncpg://user:password@host/db") from None


def _open_engine(settings: DatabaseSettings) -> AsyncEngine:
    url = make_url(settings.url.get_secret_value())
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, connect_args={"timeout": 30})
        tune_sqlite(engine.sync_engine)
        return engine
    connect_args: dict[str, Any] = {}
    if url.get_backend_name() == "postgresql":
        # jit off: every statement here is a short keyed lookup or write, and JIT compiled a 600-key lookup for
        # 32 ms before running it (PostgreSQL's own advice for OLTP work).
        connect_args = {"timeout": settings.connect_timeout,
                        "server_settings": {"application_name": "greenlight", "jit": "off"}}
    # No pre-ping: it costs a round trip per checkout; a connection the server dropped fails one request.
    return create_async_engine(url, pool_size=settings.pool_size, pool_recycle=3600, connect_args=connect_args)


def tune_sqlite(engine: sa.Engine) -> None:
    @sa.event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves (below)
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def on_begin(connection: sa.Connection) -> None:
        immediate = connection.get_execution_options().get(WRITE)
        # Through the driver's cursor, not exec_driver_sql: its execution context and result for a statement that
        # returns nothing were a quarter of the CPU a transaction of the fold held the GIL for (py-spy --gil).
        run_driver_sql(connection, "BEGIN IMMEDIATE" if immediate else "BEGIN")


@contextlib.asynccontextmanager
async def writing(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A write transaction: committed on exit, rolled back on an exception."""
    async with engine.connect() as connection:
        connection = await connection.execution_options(**{WRITE: True})
        async with connection.begin():
            yield connection


async def discard(connection: AsyncConnection) -> None:
    """Close a connection held for its session state (an advisory lock, a LISTEN): invalidated, not returned to
    the pool, where the next user would inherit that state. One the server already dropped just goes."""
    with contextlib.suppress(Exception):
        await connection.invalidate()
    with contextlib.suppress(Exception):
        await connection.close()


def describe(settings: DatabaseSettings) -> str:
    """The URL with its password hidden, for messages."""
    return make_url(settings.url.get_secret_value()).render_as_string(hide_password=True)


async def migrate(engine: AsyncEngine, revision: str = "head", *, down: bool = False) -> None:
    """Upgrade (or with `down`, downgrade) to `revision`; several processes starting at once migrate one
    after the other. A database migrated by a newer Greenlight than this one is refused in one line."""
    if revision == "head" and not down and await _at_head(engine):
        return  # the usual start: alembic (0.17 s to import) is not even loaded
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
    try:
        async with engine.connect() as connection:
            stored = (await connection.execute(sa.text("SELECT version_num FROM alembic_version"))).scalars().all()
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
    async with writing(engine) as connection:
        if engine.dialect.name == "postgresql":
            await connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        await connection.run_sync(_alembic_upgrade, revision, down)


def _alembic_upgrade(connection: sa.Connection, revision: str, down: bool) -> None:
    # Imported here, not at the top: loaded only when there is something to migrate.
    from alembic import command
    from alembic.runtime.migration import MigrationContext

    before = MigrationContext.configure(connection).get_current_revision()
    config = alembic_config()
    config.attributes["connection"] = connection
    (command.downgrade if down else command.upgrade)(config, revision)
    after = MigrationContext.configure(connection).get_current_revision()
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
        await migrate(engine)
    except BaseException:
        await engine.dispose()
        raise
    return engine


async def check_reachable(engine: AsyncEngine, settings: DatabaseSettings) -> None:
    try:
        async with asyncio.timeout(settings.connect_timeout):
            async with engine.connect() as connection:
                await connection.execute(sa.text("SELECT 1"))
    except (OSError, TimeoutError, sa.exc.SQLAlchemyError) as exc:
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0][:200] or type(exc).__name__
        raise DatabaseUnavailable(
            f"cannot use the database at GREENLIGHT_DATABASE_URL={describe(settings)}: {reason}; start it or fix "
            "GREENLIGHT_DATABASE_URL") from None
