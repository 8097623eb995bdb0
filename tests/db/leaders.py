"""Read models of several processes whose leads and stops a test can await, and who holds their locks on
PostgreSQL (pg_locks)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.shared.bus import Bus
from services.shared.db.lease import ProjectorLease, _key
from services.shared.db.lease_locks import ADVISORY_HOLDERS, advisory_holder_params
from services.shared.db.projector import Projector
from services.shared.db.releases import ReleaseDatabase
from services.shared.db.standby import ReadModel

LEASE = 0.1


class Watched:
    """Read models whose leads and stops wake whoever waits for a condition over them."""

    def __init__(self) -> None:
        self.models: list[ReadModel] = []
        self._changed = asyncio.Event()

    def model(self, bus: Bus, database: ReleaseDatabase, *, preferred: bool = False) -> ReadModel:
        model = ReadModel(Projector(bus, database), follow_interval=0.02, lease_interval=LEASE, preferred=preferred)
        projector = model.projector
        lead, stop = projector.lead, projector.stop

        async def told_lead(timeout: float | None = 60.0) -> None:
            await lead(timeout)
            self._changed.set()

        async def told_stop(grace: float = 10.0) -> None:
            await stop(grace)
            self._changed.set()

        projector.lead = told_lead  # type: ignore[method-assign]
        projector.stop = told_stop  # type: ignore[method-assign]
        self.models.append(model)
        return model

    async def until(self, done: Callable[[], Awaitable[bool]], timeout: float = 15.0) -> None:
        async with asyncio.timeout(timeout):
            while True:
                # Cleared before the look, not after it: a lead or stop during the look's own awaits wakes the wait.
                self._changed.clear()
                if await done():
                    return
                await self._changed.wait()


@contextlib.asynccontextmanager
async def running(*models: ReadModel) -> AsyncIterator[None]:
    try:
        for model in models:
            await model.start(timeout=30)
        yield
    finally:
        for model in models:
            await model.stop()


async def backend_of(connection: AsyncConnection | object) -> int:
    assert isinstance(connection, AsyncConnection)
    return int((await connection.get_raw_connection()).driver_connection.get_server_pid())  # type: ignore[union-attr]


async def backend_if_open(connection: AsyncConnection | object) -> int | None:
    """`backend_of`, or None while the connection is closed or invalidated: a lease or candidacy lost with its
    backend, in the moment before it is made again (a predicate then waits for the next look)."""
    if not isinstance(connection, AsyncConnection) or connection.closed or connection.invalidated:
        return None  # None: not made again yet
    try:
        return await backend_of(connection)
    except sa.exc.ResourceClosedError:
        return None


async def holders(engine: AsyncEngine, stream: str, purpose: str, mode: str) -> set[int]:
    """The backends that hold the lease (or a candidacy: `purpose`, `mode`) on this database."""
    async with engine.connect() as connection:
        rows = await connection.execute(sa.text(f"SELECT pid {ADVISORY_HOLDERS}"),
                                        advisory_holder_params(_key(stream, purpose), mode))
        return {int(row[0]) for row in rows}


async def terminate(engine: AsyncEngine, pid: int) -> None:
    async with engine.connect() as connection:
        # Waiting (PostgreSQL 14+) until the backend has exited: only signalled, it held its locks a moment longer.
        assert (await connection.execute(sa.text("SELECT pg_terminate_backend(:pid, 10000)"),
                                         {"pid": pid})).scalar_one()


def lease_of(model: ReadModel) -> ProjectorLease:
    return model.projector.lease
