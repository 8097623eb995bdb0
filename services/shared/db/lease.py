"""Which process projects the log into a database: one at a time, any of them when the one before is gone.

Every process with a read model (API replicas, the switcher) can project; folding the same log N times into one
database costs N times the writes for nothing, so they elect one. The lease dies with its holder whatever the
death (SIGKILL included), with no expiry to tune: SQLite's is an advisory lock on a file beside the database (one
host is SQLite's limit anyway), PostgreSQL's a session advisory lock on a connection held for the purpose.
Correctness does not rest on it: two projectors at once (a PostgreSQL connection lost and the lock taken over
while the first still runs) take turns on the projection row and skip what the other folded.
"""

from __future__ import annotations

import fcntl
import hashlib
from typing import IO

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.shared.db.engine import discard


def _key(stream: str) -> int:
    # A signed 64-bit key from the stream's name: one lease per log per database.
    return int.from_bytes(hashlib.sha256(f"greenlight-projector:{stream}".encode()).digest()[:8], "big", signed=True)


class ProjectorLease:
    def __init__(self, engine: AsyncEngine, stream: str) -> None:
        self.engine = engine
        self.stream = stream
        self._file: IO[str] | None = None
        self._connection: AsyncConnection | None = None

    @property
    def held(self) -> bool:
        return self._file is not None or self._connection is not None

    async def try_acquire(self) -> bool:
        """Take the lease if nobody holds it; never waits."""
        if self.held:
            return True
        if self.engine.dialect.name == "sqlite":
            return self._try_file()
        connection = await self.engine.connect()
        try:
            got = (await connection.execute(sa.text("SELECT pg_try_advisory_lock(:key)"),
                                            {"key": _key(self.stream)})).scalar_one()
            await connection.commit()  # the lock is the session's; no transaction left open
        except BaseException:
            await connection.close()
            raise
        if got:
            self._connection = connection
        else:
            await connection.close()
        return bool(got)

    def _try_file(self) -> bool:
        path = f"{self.engine.url.database or 'memory'}.projector-{_key(self.stream) & 0xFFFFFFFF:08x}.lock"
        handle = open(path, "a")  # kept open as long as the lease is held
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        self._file = handle
        return True

    async def release(self) -> None:
        if self._file is not None:
            self._file.close()  # closing the descriptor drops the flock
            self._file = None
        if self._connection is not None:
            await discard(self._connection)  # a lost connection released the lock already
            self._connection = None
