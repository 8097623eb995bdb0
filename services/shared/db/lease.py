"""Which process projects the log into a database: one at a time, any of them when the one before is gone.

Every process with a read model (API replicas, the switcher) can project; folding the same log N times into one
database costs N times the writes for nothing, so they elect one. The lease dies with its holder whatever the
death (SIGKILL included), with no expiry to tune: SQLite's is an advisory lock on a file beside the database (one
host is SQLite's limit anyway), PostgreSQL's a session advisory lock on a connection held for the purpose.
PostgreSQL's also dies with its connection (a database restart, a failover) while the holder runs on, and SQLite's
with its file if that is removed; so a leader asks `lost` every lease interval (a SELECT 1, a stat) and steps down,
else each restart added a projector for good. Correctness does not rest on it: two projectors at once take turns on
the projection row and skip what the other folded.

The API prefers to project: its approval gate then takes an event the log delivered at once (arrivals.py), and its
SSE streams and gate are woken by its own folds instead of looking every 50 ms on SQLite. Each API process holds a
shared "candidate" lock for as long as it runs (a second file lock, or a shared advisory lock; taken again if lost
as the lease can be); a process that is not preferred (the switcher) projects only while nobody holds it, and hands
the lease over when one appears.
"""

from __future__ import annotations

import asyncio
import fcntl
from typing import IO

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.shared.db.engine import discard
from services.shared.db.lease_locks import lease_key, lock_lost, lock_query, shared_lock_held, try_flock

_key = lease_key  # re-exported: tests/db/leaders.py finds a lease's lock by it
LOOK_AGAIN = 0.05  # seconds before a SQLite candidacy lock found held is looked at again


class ProjectorLease:
    def __init__(self, engine: AsyncEngine, stream: str) -> None:
        self.engine = engine
        self.stream = stream
        self._file: IO[str] | None = None
        self._connection: AsyncConnection | None = None
        self._candidacy: IO[str] | AsyncConnection | None = None

    async def try_acquire(self) -> bool:
        """Take the lease if nobody holds it; never waits."""
        if (self._file is not None or self._connection is not None) and not await self.lost():
            return True
        await self.release()  # one that was lost, if any
        if self.engine.dialect.name == "sqlite":
            return self._try_file()
        connection = await self.engine.connect()
        try:
            got = await lock_query(connection, "SELECT pg_try_advisory_lock(:key)", lease_key(self.stream))
        except BaseException:
            await discard(connection)  # granted before its answer was lost, the lock must not go back to the pool
            raise
        if got:
            self._connection = connection
        else:
            await connection.close()
        return bool(got)

    @property
    def held(self) -> bool:
        """Whether this process took the lease and has not let it go (whether it is still its own: `lost`)."""
        return self._file is not None or self._connection is not None

    async def lost(self) -> bool:
        """Whether the lease this process held is gone, another process may hold it now: its connection lost, or
        (SQLite) its file removed, so that the next process to try locks a new one."""
        lock = self._file if self._file is not None else self._connection
        return lock is not None and await lock_lost(lock)

    def _try_file(self) -> bool:
        handle = try_flock(self._path("projector"), fcntl.LOCK_EX)  # kept open as long as the lease is held
        self._file = handle
        return handle is not None

    def _path(self, purpose: str) -> str:
        return f"{self.engine.url.database or 'memory'}.{purpose}-{lease_key(self.stream) & 0xFFFFFFFF:08x}.lock"

    async def stand(self) -> bool:
        """Declare this process a preferred projector, until `withdraw`; False if that could not be done now (on
        SQLite a look held the lock for an instant; the database is away): call again later."""
        if self._candidacy is not None and await lock_lost(self._candidacy):
            await self.withdraw()  # unseen, a process that is not preferred would lead for good
        if self._candidacy is not None:
            return True
        if self.engine.dialect.name == "sqlite":
            self._candidacy = try_flock(self._path("candidates"), fcntl.LOCK_SH)
            return self._candidacy is not None
        connection = await self.engine.connect()
        try:
            got = await lock_query(connection, "SELECT pg_try_advisory_lock_shared(:key)",
                                   lease_key(self.stream, "candidate"))
        except BaseException:
            await discard(connection)
            raise
        if got:
            self._candidacy = connection
        else:
            await connection.close()
        return bool(got)

    async def candidate_waiting(self) -> bool:
        """Whether a preferred projector runs (holds its candidacy). Taking no lock on PostgreSQL: a look that took
        and dropped the lock made another process's look in that instant find it held, and a leader that was not
        preferred handed the lease over to nobody."""
        if self.engine.dialect.name == "sqlite":
            # A file lock cannot be read without taking it: one found held is looked at again a moment later (a
            # look holds it for microseconds, a candidacy for as long as its process runs).
            for look in range(2):
                if look:
                    await asyncio.sleep(LOOK_AGAIN)
                handle = try_flock(self._path("candidates"), fcntl.LOCK_EX)
                if handle is not None:
                    handle.close()
                    return False
            return True
        async with self.engine.connect() as connection:
            return await shared_lock_held(connection, lease_key(self.stream, "candidate"))

    async def release(self) -> None:
        if self._file is not None:
            self._file.close()  # closing the descriptor drops the flock
            self._file = None
        if self._connection is not None:
            await discard(self._connection)  # a lost connection released the lock already
            self._connection = None

    async def withdraw(self) -> None:
        candidacy, self._candidacy = self._candidacy, None
        if isinstance(candidacy, AsyncConnection):
            await discard(candidacy)
        elif candidacy is not None:
            candidacy.close()

