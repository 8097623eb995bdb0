"""Opening the database: one engine per process, SQLite tuned for several processes (migrations: migrate.py).

SQLite: WAL (readers never wait for the writer), `synchronous=NORMAL` (a commit is durable once the WAL is
synced at checkpoint: an OS crash may lose the last commits, which the projector re-folds from its offset),
and write transactions that start with BEGIN IMMEDIATE, because a deferred transaction that read first and then
tries to write fails at once with "database is locked" instead of waiting (SQLAlchemy's pysqlite notes).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import structlog
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from services.shared.db.driver import run_driver_sql
from services.shared.db.settings import DatabaseSettings
from services.shared.redact import masked_query
from services.shared.settings import StartupError

log = structlog.get_logger(__name__)
WRITE = "greenlight_write"


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
    # hide_parameters on every engine: an error's message (logged with its traceback) lists the statement's
    # parameters, and some carry secrets (a subscription's, a rotated one): it printed them in clear.
    url = make_url(settings.url.get_secret_value())
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            directory = Path(url.database).parent
            try:
                directory.mkdir(parents=True, exist_ok=True)
            except OSError as exc:  # under a regular file, or not ours to write
                raise DatabaseUnavailable(
                    f"cannot make the directory {directory} of the SQLite file in GREENLIGHT_DATABASE_URL "
                    f"({exc.strerror}); fix GREENLIGHT_DATABASE_URL") from None
        engine = create_async_engine(url, connect_args={"timeout": 30}, hide_parameters=True)
        tune_sqlite(engine.sync_engine)
        return engine
    connect_args: dict[str, Any] = {}
    if url.get_backend_name() == "postgresql":
        # jit off: every statement here is a short keyed lookup or write, and JIT compiled a 600-key lookup for
        # 32 ms before running it (PostgreSQL's own advice for OLTP work).
        connect_args = {"timeout": settings.connect_timeout, "command_timeout": settings.statement_timeout or None,
                        "server_settings": {"application_name": "greenlight", "jit": "off",
                                            **keepalives(settings.keepalive_seconds)}}
    # No pre-ping: it costs a round trip per checkout; a connection the server dropped fails one request.
    return create_async_engine(url, pool_size=settings.pool_size, pool_recycle=3600, connect_args=connect_args,
                               hide_parameters=True)


def keepalives(seconds: int) -> dict[str, str]:
    """The server's keepalives on each of this process's sessions. A session advisory lock (the projector's lease, an
    API's candidacy) lives as long as its backend, and a backend whose client's host vanished without a FIN lives
    until the server's TCP stack gives up on it: with the kernel's defaults, 2 h 11 min without a projection, though
    a standby asked for the lease every second. The leader's own `SELECT 1` a lease interval only tells the leader.
    Keepalives are only sent while nothing is unacknowledged: a backend with a few bytes in flight to the vanished
    host (seen: 18 of them) retransmits for about 15 minutes instead, so the same bound is set on that as well
    (`tcp_user_timeout`). A live client acknowledges in microseconds whatever its event loop is doing."""
    if not seconds:
        return {}
    interval, count = max(1, seconds // 2), 3
    return {"tcp_keepalives_idle": str(seconds), "tcp_keepalives_interval": str(interval),
            "tcp_keepalives_count": str(count), "tcp_user_timeout": str((seconds + count * interval) * 1000)}


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
    """The URL with its password hidden, for messages: the userinfo's and one given in the query (asyncpg takes
    `?password=`, and providers' URLs carry tokens there)."""
    url = make_url(settings.url.get_secret_value()).render_as_string(hide_password=True)
    shown, question, query = url.partition("?")
    return shown + question + masked_query(query) if query else shown


async def check_reachable(engine: AsyncEngine, settings: DatabaseSettings) -> None:
    try:
        async with asyncio.timeout(settings.connect_timeout):
            async with engine.connect() as connection:
                await connection.execute(sa.text("SELECT 1"))
    except TypeError as exc:
        # The driver is handed the URL's query as keyword arguments: libpq's `sslmode` is asyncpg's `ssl`.
        hint = " (asyncpg takes ssl=require where libpq takes sslmode)" if "sslmode" in str(exc) else ""
        raise DatabaseUnavailable(
            f"the database driver does not take a parameter of GREENLIGHT_DATABASE_URL's query: {exc}{hint}; fix "
            "GREENLIGHT_DATABASE_URL") from None
    except (OSError, TimeoutError, sa.exc.SQLAlchemyError) as exc:
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0][:200] or type(exc).__name__
        raise DatabaseUnavailable(
            f"cannot use the database at GREENLIGHT_DATABASE_URL={describe(settings)}: {reason}; start it or fix "
            "GREENLIGHT_DATABASE_URL") from None
