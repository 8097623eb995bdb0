"""Write transactions that run a sync function (the fold) in one piece, and reads the same way: one transaction a
call, on SQLite on threads of our own (transaction_runner.py says why).
Reads on SQLite take the same route, on threads of their own (`Reader`): through aiosqlite a one-row read was
four hand-overs (BEGIN, the query, its rows, the rollback), 5.8 ms at the median under the orchestration bench's
load and 1.3 ms on an idle loop; one hand-over is 0.3 ms idle.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncEngine

from services.shared.db.transaction_runner import TransactionRunner

T = TypeVar("T")


class Writer(TransactionRunner):
    """Write transactions, one at a time per process (SQLite has one writer anyway)."""

    def __init__(self, engine: AsyncEngine) -> None:
        super().__init__(engine, threads=1, write=True)


class Reader(TransactionRunner):
    """Read transactions; WAL lets them run beside the writer and each other."""

    def __init__(self, engine: AsyncEngine, threads: int = 2) -> None:
        super().__init__(engine, threads=threads, write=False)

    async def one_statement(self, fn: Callable[..., T], *args: Any) -> T:
        """A small read of one statement, which needs no transaction of its own (on PostgreSQL, none is begun; on
        SQLite, see `run`'s `small`)."""
        return await self._small(True, fn, *args)
