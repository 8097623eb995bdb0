"""Several processes project into one database (API replicas, the switcher): every event is stored once."""

from __future__ import annotations

import asyncio

import sqlalchemy as sa

from services.shared.bus import Bus
from services.shared.db.releases import ReleaseDatabase
from services.shared.db.schema import events, projection
from services.shared.protocol import ReleaseState as S
from tests.db.conftest import chain, projecting, publish_all
from tests.harness import wait_for_state


async def test_three_projectors_on_one_database_store_each_event_once(bus: Bus, database: ReleaseDatabase) -> None:
    async with projecting(bus, database, 7) as a, projecting(bus, database, 13) as b, \
            projecting(bus, database, 50) as c:
        await asyncio.gather(*(publish_all(bus, chain(f"r{i}", app=f"app{i}")) for i in range(30)))
        for i in range(30):
            await wait_for_state(database, f"r{i}", S.AWAITING_APPROVAL, timeout=30)
    async with database.engine.connect() as connection:
        stored = (await connection.execute(sa.select(sa.func.count()).select_from(events))).scalar_one()
        distinct = (await connection.execute(
            sa.select(sa.func.count()).select_from(sa.select(events.c.release_id, events.c.seq).distinct()
                                                    .subquery()))).scalar_one()
        offset = (await connection.execute(sa.select(projection.c.log_offset))).scalar_one()
    assert stored == distinct == 30 * 7
    # Between them they folded each event exactly once; a projector finding one folded skips it.
    assert a.folded.new + b.folded.new + c.folded.new == 30 * 7
    assert a.folded.duplicates + b.folded.duplicates + c.folded.duplicates == 0
    assert offset >= 30 * 7
