"""A stream that catches up from the database, then takes the shared feed, sends every event once: the point it
switches at is the offset the projector folded through, which may be a marker's (the projector's catch-up proof
takes an offset in the log) with the next event only on its way."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from services.approval.fanout import Fanout
from services.shared.db.batches import fold_batch_sync
from services.shared.db.releases import ReleaseDatabase
from services.shared.db.schema import projection
from tests.db.conftest import HAPPY, chain

STREAM = "gltest.fanout-marker.log"


async def test_the_first_event_past_a_marker_is_sent_once(database: ReleaseDatabase) -> None:
    events = chain("r1", states=HAPPY)  # offsets 0..4, a marker at 5, then 6 and 7
    logged = [(offset if offset < 5 else offset + 1, False, event.dumps()) for offset, event in enumerate(events)]
    async with database.engine.begin() as connection:
        await connection.execute(projection.insert().values(stream=STREAM, log_offset=-1, updated_at=datetime.now(UTC)))
    await database.writer.run(fold_batch_sync, STREAM, [*logged[:5], (5, True, b"")])
    feed = Fanout(database)
    assert await feed.now() == 5
    stream = feed.events(-1, lambda _: True)
    try:
        shown = [(await asyncio.wait_for(anext(stream), 5)).offset for _ in range(5)]  # from the database
        for batch in logged[5:]:
            await database.writer.run(fold_batch_sync, STREAM, [batch])
            await database.notify()
            shown.append((await asyncio.wait_for(anext(stream), 5)).offset)
    finally:
        await stream.aclose()
        await feed.close()
    assert shown == [0, 1, 2, 3, 4, 6, 7]
