"""The locks a projector lease is made of (lease.py): a file lock beside a SQLite database, a session advisory lock on
PostgreSQL, and how a holder tells that its lock is gone."""

from __future__ import annotations

import fcntl
import hashlib
import os
from typing import IO

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from services.shared.timeouts import bounded

_PING = 10.0  # seconds a lock's connection may take to answer before it counts as lost (a partition, a frozen server)


def lease_key(stream: str, purpose: str = "projector") -> int:
    # A signed 64-bit key from the stream's name: one lease (and one candidate lock) per log per database.
    return int.from_bytes(hashlib.sha256(f"greenlight-{purpose}:{stream}".encode()).digest()[:8], "big", signed=True)


def try_flock(path: str, mode: int) -> IO[str] | None:
    handle = open(path, "a")
    try:
        fcntl.flock(handle, mode | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        return None
    return handle


async def lock_query(connection: AsyncConnection, sql: str, key: int) -> bool:
    value = (await connection.execute(sa.text(sql), {"key": key})).scalar_one()
    await connection.commit()  # the lock is the session's; no transaction left open
    return bool(value)


async def shared_lock_held(connection: AsyncConnection, key: int) -> bool:
    """Whether some session holds a shared advisory lock on `key` in this database, read from `pg_locks`: no lock
    taken, so two processes looking at once never see each other's look."""
    found = await connection.execute(_SHARED_HELD, advisory_holder_params(key, "ShareLock"))
    return bool(found.scalar_one())


# The granted advisory locks of one key and mode in this database (tests/db/leaders.py reads their pids).
ADVISORY_HOLDERS = ("FROM pg_locks WHERE locktype = 'advisory' AND granted AND mode = :mode "
                    "AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
                    "AND classid::bigint = :high AND objid::bigint = :low AND objsubid = 1")
_SHARED_HELD = sa.text(f"SELECT EXISTS (SELECT 1 {ADVISORY_HOLDERS})")


def advisory_holder_params(key: int, mode: str) -> dict[str, object]:
    unsigned = key & 0xFFFFFFFFFFFFFFFF  # a bigint key is kept as two oids, its high and low halves
    return {"mode": mode, "high": unsigned >> 32, "low": unsigned & 0xFFFFFFFF}


async def lock_lost(lock: IO[str] | AsyncConnection) -> bool:
    """A file no longer at its path; a session that does not answer one round trip (the driver's simple query, no
    transaction around it)."""
    try:
        if not isinstance(lock, AsyncConnection):
            return not os.path.samestat(os.fstat(lock.fileno()), os.stat(lock.name))
        driver = (await lock.get_raw_connection()).driver_connection
        await bounded(driver.execute("SELECT 1"), _PING)  # type: ignore[union-attr]
    except Exception:  # OSError, TimeoutError, the driver's own: the lock is gone, or out of reach
        return True
    return False
