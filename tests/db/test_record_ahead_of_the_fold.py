"""A decision recorded together with the log's events it continues (delivered, not folded yet), then the
projector's batch of those same events: every event is stored once, with the log's offset, and the batch counts
them as duplicates. On PostgreSQL the two transactions run at once and take turns on the projection row."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from services.shared.db.batches import fold_batch_sync
from services.shared.db.fold import Item
from services.shared.db.releases import ReleaseDatabase
from services.shared.db.schema import projection
from services.shared.protocol import ReleaseState as S
from tests.db.conftest import HAPPY, chain

STREAM = "gltest.ahead.log"


async def test_the_decision_and_the_batch_store_each_event_once(database: ReleaseDatabase) -> None:
    events = chain("r1", states=HAPPY)  # requested .. awaiting_approval
    logged = [(offset, False, event.dumps()) for offset, event in enumerate(events)]
    async with database.engine.begin() as connection:
        await connection.execute(projection.insert().values(stream=STREAM, log_offset=-1, updated_at=datetime.now(UTC)))
    await database.writer.run(fold_batch_sync, STREAM, logged[:-1])  # folded up to deploying
    delivered = [Item(events[-1], len(events) - 1, events[-1].dumps().decode())]
    database.log_stream = STREAM
    database.arrivals = lambda release_id: delivered if release_id == "r1" else []

    latest = await database.latest("r1")
    assert latest is not None and latest.state is S.DEPLOYING
    ahead = database.ahead_of(latest)
    assert [item.event.state for item in ahead] == [S.AWAITING_APPROVAL]
    approved = ahead[-1].event.next(S.APPROVED, actor="bob")
    # The projector's batch of the delivered event and the decision, at once.
    _, (to, folded) = await asyncio.gather(database.record(approved, strict=True, ahead=ahead),
                                           database.writer.run(fold_batch_sync, STREAM, logged[-1:]))

    assert to == len(events) - 1 and folded.new + folded.duplicates == 1
    history = await database.history("r1")
    assert [(h.event.state, h.offset, h.note) for h in history[-2:]] == [
        (S.AWAITING_APPROVAL, len(events) - 1, None), (S.APPROVED, None, None)]
    assert len(history) == len(events) + 1
    assert (await database.latest("r1")).state is S.APPROVED  # type: ignore[union-attr]


async def test_a_gap_in_what_was_delivered_gives_nothing_ahead(database: ReleaseDatabase) -> None:
    events = chain("r2", states=HAPPY)
    await database.record(events[0])
    delivered = [Item(e, i, e.dumps().decode()) for i, e in enumerate(events) if i >= 2]  # `building` missing
    database.arrivals = lambda release_id: delivered
    assert database.ahead_of(events[0]) == []
    database.arrivals = lambda release_id: [Item(e, i, e.dumps().decode()) for i, e in enumerate(events)]
    assert [item.event.seq for item in database.ahead_of(events[0])] == [e.seq for e in events[1:]]
