"""A standby hears at once that the projector committed a batch: PostgreSQL's LISTEN/NOTIFY.

The projector's batch transaction ends with `pg_notify` (delivered at commit, dropped on rollback); a standby holds
one connection that LISTENs and wakes its follow loop. Waking is all it does: the standby still reads the stored
offset, and still looks every `follow_interval`, so a notification lost with its connection costs at most that.
Before, every standby replica (the API's gate, SSE, the switcher) saw a fold up to 50 ms late. SQLite has no such
channel across processes, and keeps looking every interval; so does a standby behind a pooler in transaction mode
(PgBouncer), which does not carry LISTEN.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
import structlog
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.shared.db.driver import fetch
from services.shared.db.engine import discard
from services.shared.db.schema import projection
from services.shared.timeouts import bounded

log = structlog.get_logger(__name__)
_MOVE = (projection.update().where(projection.c.stream == sa.bindparam("s"))
         .values(log_offset=sa.bindparam("o"), updated_at=sa.bindparam("t")))
_MOVE_AND_NOTIFY = _MOVE.returning(sa.func.pg_notify(sa.bindparam("channel", type_=sa.String), ""))
_RETRY = 5.0  # seconds between attempts to LISTEN again


def channel_of(stream: str) -> str:
    # An identifier of at most 63 bytes whatever the stream's name: one channel per log.
    return "greenlight_folded_" + hashlib.sha256(stream.encode()).hexdigest()[:16]


def move_offset_sync(connection: sa.Connection, stream: str, offset: int) -> None:
    """Inside the projector's batch transaction: the folded offset moves to `offset`, and on PostgreSQL the same
    statement wakes the standbys when the transaction commits (pg_notify in its RETURNING: one round trip for
    both, where a separate SELECT cost every batch another)."""
    params: dict[str, object] = {"s": stream, "o": offset, "t": datetime.now(UTC)}
    if connection.dialect.name == "postgresql":
        fetch(connection, _MOVE_AND_NOTIFY, {**params, "channel": channel_of(stream)})
    else:
        fetch(connection, _MOVE, params)


class FoldWakeup:
    """`wait(timeout)` returns when the projector committed a batch since the last wait, or after `timeout`."""

    def __init__(self, engine: AsyncEngine, stream: str) -> None:
        self.engine = engine
        self.channel = channel_of(stream)
        self._woken = asyncio.Event()
        self._connection: AsyncConnection | None = None
        self._driver: Any = None
        self._retry_at = 0.0  # after a failed LISTEN, polling alone until then

    async def wait(self, timeout: float) -> None:
        now = asyncio.get_running_loop().time()
        if self.engine.dialect.name == "postgresql" and not self._listening() and now >= self._retry_at:
            await self._listen()
            if self._listening():
                # A fold that committed while the LISTEN was being set up woke nobody: the caller looks again at
                # once instead of a whole timeout later (a standby's start waited out its 15 s for that, 1 in 12).
                return
        with contextlib.suppress(TimeoutError):
            await bounded(self._woken.wait(), timeout)
        self._woken.clear()

    def _listening(self) -> bool:
        return self._driver is not None and not self._driver.is_closed()

    async def _listen(self) -> None:
        await self.close()
        try:
            self._connection = await self.engine.connect()
            raw = await self._connection.get_raw_connection()
            self._driver = raw.driver_connection
            await self._driver.add_listener(self.channel, self._on_notify)
        except Exception as exc:  # asyncpg's own errors too: waking is an optimisation, never fatal
            log.warning("no fold notifications; looking every follow interval", error=str(exc).splitlines()[0][:200])
            await self.close()
            self._retry_at = asyncio.get_running_loop().time() + _RETRY

    def _on_notify(self, *_: object) -> None:
        self._woken.set()

    async def close(self) -> None:
        connection, self._connection, self._driver = self._connection, None, None
        if connection is not None:
            await discard(connection)  # the session still LISTENs
