"""Transactions that run a sync function (the fold) in one piece: what `Writer` and `Reader` (writer.py) share.

On SQLite every statement of an async connection is a round trip to aiosqlite's thread: a wake-up of that thread,
a GIL hand-over and an event-loop turn each, so a fold of ten statements paid ten of them (measured: 12 ms of CPU
per recorded event, half of it in those hand-overs). Here the whole transaction runs on one thread of our own
with a plain (sync) SQLite connection: one hand-over per transaction. The write lock is SQLite's own
(BEGIN IMMEDIATE, busy timeout), so this thread and other processes take turns as before.
PostgreSQL keeps asyncpg: its statements are network round trips either way.
A small transaction (`run(..., small=True)`, `Reader.one_statement`) skips even that one hand-over when the database
is free: it runs on the event loop's own thread, never waiting for a lock or checkpointing there (see `run`).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import sqlite3
from collections.abc import Callable
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from services.shared.db.engine import writing
from services.shared.db.sqlite_connections import SqliteConnections
from services.shared.db.threadcpu import DB_THREAD_PREFIX, counted, name_os_thread

T = TypeVar("T")
CHECKPOINT_AFTER = 200  # small writes on the loop's thread between two sent to the writer thread (`run`)


class TransactionRunner:
    """`fn(connection, ...)` in one transaction: on SQLite on threads of this runner, elsewhere via run_sync."""

    def __init__(self, engine: AsyncEngine, threads: int, write: bool) -> None:
        self.engine = engine
        self.threads = threads
        self.write = write
        self._pool: concurrent.futures.ThreadPoolExecutor | None = None
        self._sync: SqliteConnections | None = None
        if engine.dialect.name == "sqlite" and engine.url.database not in (None, "", ":memory:"):
            self._sync = SqliteConnections(engine, threads, write)
        self._small_writes = 0

    async def run(self, fn: Callable[..., T], *args: Any, small: bool = False, **kwargs: Any) -> T:
        """`fn(connection, *args, **kwargs)` in one transaction.

        `small`: a few keyed statements (well under a millisecond). On SQLite such a transaction runs on the event
        loop's own thread if the database is free at once: the hand-over to a thread and back, its wake-ups and GIL
        hand-overs, cost more CPU than the transaction itself (perf: 36 % of the database threads' CPU was the
        kernel's). It never waits there: a write lock held elsewhere (another process, or this runner's thread)
        answers at once, and the transaction goes to the thread, which waits its turn. Nor does it checkpoint there
        (an fsync): every CHECKPOINT_AFTER small writes, one goes to the thread, whose commit checkpoints the WAL
        when it has grown."""
        if small:
            return await self._small(False, fn, *args, **kwargs)
        return await self._run(False, fn, *args, **kwargs)

    async def _small(self, single: bool, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        if self._sync is not None and not (self.write and self._small_writes >= CHECKPOINT_AFTER):
            try:
                result = self._on_loop(fn, *args, **kwargs)
            except _Busy:
                pass
            else:
                if self.write:
                    self._small_writes += 1
                return result
        self._small_writes = 0
        return await self._run(single, fn, *args, **kwargs)

    def _on_loop(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        assert self._sync is not None
        with counted(on_loop=True):
            connection = self._sync.connection(on_loop=True)
            try:
                with connection.begin():
                    return fn(connection, *args, **kwargs)
            except sa.exc.OperationalError as exc:
                # The primary code: BUSY_RECOVERY, BUSY_SNAPSHOT... are busy too (extended codes keep it in the low
                # byte).
                if getattr(exc.orig, "sqlite_errorcode", 0) & 0xFF == sqlite3.SQLITE_BUSY:
                    raise _Busy from exc  # rolled back: nothing of it was done
                raise

    async def _run(self, single: bool, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        if self._sync is None:
            if self.write:
                async with writing(self.engine) as connection:
                    return await connection.run_sync(fn, *args, **kwargs)
            async with self.engine.connect() as connection:
                if single:  # no BEGIN and ROLLBACK around it: two round trips of three
                    connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
                return await connection.run_sync(fn, *args, **kwargs)
        if self._pool is None:
            role = "writer" if self.write else "reader"
            self._pool = concurrent.futures.ThreadPoolExecutor(
                self.threads, thread_name_prefix=f"greenlight-db-{role}", initializer=name_os_thread,
                initargs=(f"{DB_THREAD_PREFIX}{role}",))
        call = functools.partial(self._in_thread, fn, *args, **kwargs)
        done = asyncio.get_running_loop().run_in_executor(self._pool, call)
        # A write is not cancelled with its caller: the thread finishes (commits or rolls back) the transaction
        # it began, so the write lock is never left held. A read left behind just ends.
        return await (asyncio.shield(done) if self.write else done)

    def _in_thread(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        assert self._sync is not None
        with counted(on_loop=False):
            connection = self._sync.connection(on_loop=False)
            with connection.begin():
                return fn(connection, *args, **kwargs)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None
        if self._sync is not None:
            self._sync.close()


class _Busy(Exception):
    """The database is locked by another connection: the small transaction goes to the thread instead."""

