"""The plain (sync) SQLite connections a TransactionRunner's transactions run on: one per thread, kept by it."""

from __future__ import annotations

import contextlib
import threading

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from services.shared.db.engine import WRITE, tune_sqlite


class SqliteConnections:
    def __init__(self, engine: AsyncEngine, threads: int, write: bool) -> None:
        self.write = write
        self._local = threading.local()
        self._opened: list[sa.Connection] = []
        # The same file through the stdlib driver, one connection per thread of ours, kept by it (closed from the
        # loop's thread by `close`, after those threads ended: hence check_same_thread off). One more for the event
        # loop's own thread (`run(small=True)`), and room: past its size the pool closes a connection at random,
        # even one a thread keeps.
        self.engine = sa.create_engine(engine.url.set(drivername="sqlite"), poolclass=sa.pool.SingletonThreadPool,
                                      pool_size=threads + 4, hide_parameters=True,  # engine.py: secrets
                                      connect_args={"timeout": 30, "check_same_thread": False})
        tune_sqlite(self.engine)

    def connection(self, on_loop: bool) -> sa.Connection:
        # Each thread keeps its connection between transactions: a check-out and check-in per transaction (a new
        # Connection, its options, the pool's reset) cost as much CPU as a one-event fold's own statements.
        connection: sa.Connection | None = getattr(self._local, "connection", None)
        if connection is None or connection.invalidated or connection.closed:
            connection = self.engine.connect()
            if on_loop:
                driver = connection.connection.driver_connection
                assert driver is not None
                driver.execute("PRAGMA busy_timeout=0")  # BUSY at once, never a wait on the loop
                driver.execute("PRAGMA wal_autocheckpoint=0")  # the threads' commits checkpoint
            if self.write:
                connection = connection.execution_options(**{WRITE: True})
            self._local.connection = connection
            self._opened.append(connection)
        return connection

    def close(self) -> None:
        """After the threads have ended: theirs and the loop's (this thread's own)."""
        for connection in self._opened:
            with contextlib.suppress(Exception):
                connection.close()
        self._opened.clear()
        self.engine.dispose()
