"""Several processes project into one database (API replicas, the switcher): every event is stored once."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import sqlalchemy as sa

from services.shared.bus import Bus
from services.shared.db.projector import Projector
from services.shared.db.releases import ReleaseDatabase
from services.shared.db.schema import events, projection
from services.shared.protocol import ReleaseState as S
from tests.db.conftest import chain, projecting, publish_all
from tests.harness import wait_for_state


async def _counts(database: ReleaseDatabase) -> tuple[int, int, int]:
    async with database.engine.connect() as connection:
        stored = (await connection.execute(sa.select(sa.func.count()).select_from(events))).scalar_one()
        distinct = (await connection.execute(
            sa.select(sa.func.count()).select_from(sa.select(events.c.release_id, events.c.seq).distinct()
                                                    .subquery()))).scalar_one()
        offset = (await connection.execute(sa.select(projection.c.log_offset))).scalar_one()
    return stored, distinct, offset


async def test_three_processes_elect_one_projector(bus: Bus, database: ReleaseDatabase) -> None:
    async with projecting(bus, database, 7) as a, projecting(bus, database, 13) as b, \
            projecting(bus, database, 50) as c:
        assert [p.leading for p in (a, b, c)] == [True, False, False]
        await asyncio.gather(*(publish_all(bus, chain(f"r{i}", app=f"app{i}")) for i in range(30)))
        for i in range(30):
            await wait_for_state(database, f"r{i}", S.AWAITING_APPROVAL, timeout=30)
    stored, distinct, offset = await _counts(database)
    assert stored == distinct == 30 * 7
    assert (a.folded.new, b.folded.new, c.folded.new) == (30 * 7, 0, 0)
    assert offset >= 30 * 7


@contextlib.asynccontextmanager
async def _leading_without_lease(bus: Bus, database: ReleaseDatabase, batch: int) -> AsyncIterator[Projector]:
    projector = Projector(bus, database, batch)
    await projector.lead(30)
    try:
        yield projector
    finally:
        await projector.stop()


async def test_projectors_folding_at_once_store_each_event_once(bus: Bus, database: ReleaseDatabase) -> None:
    # What the lease normally prevents (a PostgreSQL lock lost while its holder still folds): still each event once.
    async with _leading_without_lease(bus, database, 7) as a, _leading_without_lease(bus, database, 13) as b, \
            _leading_without_lease(bus, database, 50) as c:
        await asyncio.gather(*(publish_all(bus, chain(f"r{i}", app=f"app{i}")) for i in range(30)))
        for i in range(30):
            await wait_for_state(database, f"r{i}", S.AWAITING_APPROVAL, timeout=30)
    stored, distinct, offset = await _counts(database)
    assert stored == distinct == 30 * 7
    # Between them they folded each event exactly once; a projector finding one folded skips it.
    assert a.folded.new + b.folded.new + c.folded.new == 30 * 7
    assert a.folded.duplicates + b.folded.duplicates + c.folded.duplicates == 0
    assert offset >= 30 * 7
