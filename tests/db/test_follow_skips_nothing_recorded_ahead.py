"""A decision records the log's events it continues before the projector folds them (arrivals.py), so an event can
be stored ahead of older ones still in the projector's batch: with PostgreSQL away, the batch waited out its
backoff while a retried decision committed, and an SSE client following the database skipped 27 events for good.
A follower is shown events only up to the offset the projector folded through, so it sees every one, in order."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from services.shared.db.batches import fold_batch_sync
from services.shared.db.fold import Item
from services.shared.db.releases import ReleaseDatabase
from services.shared.db.schema import projection
from services.shared.protocol import ReleaseState as S
from tests.db.conftest import HAPPY, chain

STREAM = "gltest.follow-ahead.log"


async def test_an_event_recorded_ahead_waits_for_the_older_ones(database: ReleaseDatabase) -> None:
    mine = chain("r1", states=HAPPY)  # requested .. awaiting_approval: offsets 0..6
    other = chain("r2", app="shop", states=())  # requested: offset 7
    gated = [*mine[:-1], other[0], mine[-1]]  # the gate's event comes after the other release's
    logged = [(offset, False, event.dumps()) for offset, event in enumerate(gated)]
    async with database.engine.begin() as connection:
        await connection.execute(projection.insert().values(stream=STREAM, log_offset=-1, updated_at=datetime.now(UTC)))
    await database.writer.run(fold_batch_sync, STREAM, logged[:6])  # folded through offset 5
    database.log_stream = STREAM
    database.arrivals = lambda release_id: [Item(mine[-1], 7, mine[-1].dumps().decode())] if release_id == "r1" else []
    latest = await database.latest("r1")
    assert latest is not None
    ahead = database.ahead_of(latest)
    await database.record(ahead[-1].event.next(S.APPROVED, actor="bob"), strict=True, ahead=ahead)  # offset 7 stored

    read = asyncio.Event()
    rows = database.rows

    async def reading(query: Any, params: dict[str, Any] | None = None) -> Sequence[Any]:
        found = await rows(query, params)
        read.set()
        return found

    database.rows = reading  # type: ignore[method-assign]
    follow = database.follow(5, lambda _: True)
    first = asyncio.create_task(anext(follow))  # type: ignore[arg-type]
    try:
        await asyncio.wait_for(read.wait(), 5)
        # The follower's first read returned: it yields at once what it was given, so it must have been nothing.
        assert not first.done(), f"shown offset {first.result().offset} before offset 6 was folded"
        await database.writer.run(fold_batch_sync, STREAM, logged[6:])
        await database.notify()
        shown = [(await asyncio.wait_for(first, 5)).offset, (await asyncio.wait_for(anext(follow), 5)).offset]
    finally:
        first.cancel()
        await follow.aclose()
    assert shown == [6, 7]
    assert await database.last_offset() == 7
