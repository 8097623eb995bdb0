"""A service that records its own events after publishing them (the switcher) races the projector's batch of the
same events. On PostgreSQL the two transactions used to collide on the events' unique keys: the projector lost with
a unique violation and stalled 100 ms before folding again (approve → live took ~100 ms whenever the switcher led
the projection). Both now take the projection row's lock first, so they take turns and the second finds the
first's rows; each event is stored once, with its log offset."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from services.shared.db.batches import fold_batch_sync
from services.shared.db.releases import ReleaseDatabase
from services.shared.db.schema import projection
from tests.db.conftest import HAPPY, chain

STREAM = "gltest.turns.log"
RELEASES = 20


async def test_a_batch_and_a_record_of_the_same_events_both_succeed(database: ReleaseDatabase) -> None:
    async with database.engine.begin() as connection:
        await connection.execute(projection.insert().values(stream=STREAM, log_offset=-1,
                                                            updated_at=datetime.now(UTC)))
    database.log_stream = STREAM  # as the process's projector sets it
    offset = 0
    for i in range(RELEASES):
        events = chain(f"r{i}", app=f"app{i}", states=HAPPY)
        raw = [(offset + n, False, event.dumps()) for n, event in enumerate(events)]
        offset += len(events)
        # Each side writes the same seven events at once; neither may fail.
        await asyncio.gather(database.record_all(events), database.writer.run(fold_batch_sync, STREAM, raw))
        history = await database.history(f"r{i}")
        assert [(h.event.seq, h.offset) for h in history] == [(e.seq, o) for e, (o, _, _) in zip(events, raw,
                                                                                               strict=True)]
