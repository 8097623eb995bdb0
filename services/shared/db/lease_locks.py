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
