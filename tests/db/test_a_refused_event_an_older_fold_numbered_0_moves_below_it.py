"""A refused event that an older Greenlight stored as variant 0 of its seq (it numbered a seq's events in the order
they came) moves below 0 when a legal event of that seq comes, in the same transaction: the legal one takes variant
0, which every read takes for the folded event (the release's latest event, its detail), and is folded; a log
offset the batch gave the moved event follows it. On both databases."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from services.shared.db.engine import writing
from services.shared.db.fold import Item, fold_sync
from services.shared.db.fold_variants import REFUSED_FROM
from services.shared.db.releases import ReleaseDatabase
from services.shared.db.schema import events
from services.shared.protocol import ReleaseState as S
from tests.db.conftest import chain, jumped

REFUSED = "illegal transition requested -> live"


async def _variants(engine: AsyncEngine) -> list[tuple[int, int, str, str | None, int | None]]:
    async with engine.connect() as connection:
        rows = await connection.execute(
            sa.select(events.c.seq, events.c.variant, events.c.state, events.c.note, events.c.log_offset)
            .where(events.c.release_id == "r1").order_by(events.c.seq, events.c.variant))
        return [tuple(row) for row in rows]  # type: ignore[misc]


async def test_a_refused_event_at_variant_0_leaves_it_to_the_legal_twin(database: ReleaseDatabase) -> None:
    engine = database.engine
    requested, building = chain("r1", states=(S.BUILDING,))
    forged = jumped(requested, 2, S.LIVE)
    await database.record(requested)
    await database.record(forged)
    async with writing(engine) as connection:  # where an older fold stored it
        await connection.execute(events.update().where(events.c.variant < 0).values(variant=0))
    assert await _variants(engine) == [(1, 0, "requested", None, None), (2, 0, "live", REFUSED, None)]
    # One batch of the log: the forged event's echo (its offset, to the moved row), then the legal twin.
    await database.writer.run(fold_sync, [Item(forged, 7, forged.model_dump_json()),
                                          Item(building, 8, building.model_dump_json())])
    assert await _variants(engine) == [(1, 0, "requested", None, None), (2, REFUSED_FROM - 1, "live", REFUSED, 7),
                                       (2, 0, "building", None, 8)]
    assert (await database.get("r1")).state is S.BUILDING  # type: ignore[union-attr]
    assert (await database.latest("r1")).state is S.BUILDING  # type: ignore[union-attr]
