"""Migration 0018 moves the events the table refused, stored by 0017's fold as variant 0 of their seq, below 0: a
legal event of that seq logged after the upgrade then takes variant 0 and is folded, and every read that takes the
folded events for variant 0 shows it (the release's latest event, its detail). Its downgrade leaves the numbers,
which 0017's code reads as it did. On both databases."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from services.shared.db.engine import writing
from services.shared.db.migrate import HEAD, migrate
from services.shared.db.releases import ReleaseDatabase
from services.shared.db.schema import events
from services.shared.protocol import ReleaseState as S
from tests.db.conftest import chain, jumped

REFUSED = "illegal transition requested -> live"


async def _variants(engine: AsyncEngine) -> list[tuple[int, int, str, str | None]]:
    async with engine.connect() as connection:
        rows = await connection.execute(sa.select(events.c.seq, events.c.variant, events.c.state, events.c.note)
                                        .where(events.c.release_id == "r1").order_by(events.c.seq, events.c.variant))
        return [tuple(row) for row in rows]  # type: ignore[misc]


async def test_a_refused_event_stored_as_variant_0_leaves_it_to_a_legal_twin(engine: AsyncEngine) -> None:
    await migrate(engine)
    database = ReleaseDatabase(engine)
    requested, building = chain("r1", states=(S.BUILDING,))
    await database.record(requested)
    await database.record(jumped(requested, 2, S.LIVE))
    async with writing(engine) as connection:  # where 0017's fold stored it
        await connection.execute(events.update().where(events.c.variant == -1).values(variant=0))
    await migrate(engine, "0017", down=True)
    assert await _variants(engine) == [(1, 0, "requested", None), (2, 0, "live", REFUSED)]
    await migrate(engine, HEAD)
    assert await _variants(engine) == [(1, 0, "requested", None), (2, -1, "live", REFUSED)]
    await database.record(building, strict=True)
    assert (await database.get("r1")).state is S.BUILDING  # type: ignore[union-attr]
    assert await _variants(engine) == [(1, 0, "requested", None), (2, -1, "live", REFUSED), (2, 0, "building", None)]
    assert (await database.latest("r1")).state is S.BUILDING  # type: ignore[union-attr]
