"""Write transactions that run a sync function (the fold) in one piece.

On SQLite every statement of an async connection is a round trip to aiosqlite's thread: a wake-up of that thread,
a GIL hand-over and an event-loop turn each, so a fold of ten statements paid ten of them (measured: 12 ms of CPU
per recorded event, half of it in those hand-overs). Here the whole transaction runs on one thread of our own
with a plain (sync) SQLite connection: one hand-over per transaction. The write lock is SQLite's own
(BEGIN IMMEDIATE, busy timeout), so this thread and other processes take turns as before.
PostgreSQL keeps asyncpg: its statements are network round trips either way.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
from collections.abc import Callable
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from services.shared.db.engine import WRITE, tune_sqlite, writing

T = TypeVar("T")


class Writer:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._sync: sa.Engine | None = None
        self._thread: concurrent.futures.ThreadPoolExecutor | None = None
        if engine.dialect.name == "sqlite" and engine.url.database not in (None, "", ":memory:"):
            # The same file through the stdlib driver, one connection kept by the one thread that uses it
            # (closed from the loop's thread by `close`, after that thread ended: hence check_same_thread off).
            self._sync = sa.create_engine(engine.url.set(drivername="sqlite"), poolclass=sa.pool.SingletonThreadPool,
                                          connect_args={"timeout": 30, "check_same_thread": False})
            tune_sqlite(self._sync)

    async def run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """`fn(connection, *args, **kwargs)` in one write transaction, committed when it returns."""
        if self._sync is None:
            async with writing(self.engine) as connection:
                return await connection.run_sync(fn, *args, **kwargs)
        if self._thread is None:
            self._thread = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="greenlight-db-writer")
        call = functools.partial(self._in_thread, fn, *args, **kwargs)
        # Not cancelled with its caller: the thread finishes (commits or rolls back) the transaction it began,
        # so the write lock is never left held.
        return await asyncio.shield(asyncio.get_running_loop().run_in_executor(self._thread, call))

    def _in_thread(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        assert self._sync is not None
        with self._sync.connect() as connection:
            connection = connection.execution_options(**{WRITE: True})
            with connection.begin():
                return fn(connection, *args, **kwargs)

    def close(self) -> None:
        if self._thread is not None:
            self._thread.shutdown(wait=True)
            self._thread = None
        if self._sync is not None:
            self._sync.dispose()

