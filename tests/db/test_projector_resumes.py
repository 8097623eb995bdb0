"""The projector commits the log offset with the events it folds, and resumes from it: after a restart and after
a reconnect it reads on from there, never from the start of the log again."""

from __future__ import annotations

import asyncio
from typing import Any

import sqlalchemy as sa

from services.shared.bus import Bus
from services.shared.db.batches import fold_batch_sync
from services.shared.db.releases import ReleaseDatabase
from services.shared.db.schema import events, projection
from services.shared.protocol import ReleaseState as S
from tests.db.conftest import chain, projecting, publish_all, until_folded
from tests.harness import wait_for_state


async def _stored_offset(database: ReleaseDatabase) -> int:
    async with database.engine.connect() as connection:
        return int((await connection.execute(sa.select(projection.c.log_offset))).scalar_one())


async def _event_count(database: ReleaseDatabase) -> int:
    async with database.engine.connect() as connection:
        return int((await connection.execute(sa.select(sa.func.count()).select_from(events))).scalar_one())


async def test_a_restart_resumes_from_the_stored_offset(bus: Bus, database: ReleaseDatabase) -> None:
    await publish_all(bus, chain("r1"))
    async with projecting(bus, database) as first:
        await wait_for_state(database, "r1", S.AWAITING_APPROVAL)
    assert first.folded.new == 7
    stored = await _stored_offset(database)
    await publish_all(bus, chain("r2", app="other"))
    async with projecting(bus, database) as second:
        await wait_for_state(database, "r2", S.AWAITING_APPROVAL)
        resumed_at = second._arguments["x-stream-offset"]
    # Only r2's seven events were new to the second run; r1's were never folded again.
    assert second.folded.new == 7 and second.folded.duplicates == 0
    assert await _event_count(database) == 14
    assert isinstance(resumed_at, int) and resumed_at > stored


async def test_a_reconnect_resumes_where_the_database_is(bus: Bus, database: ReleaseDatabase) -> None:
    async with projecting(bus, database) as projector:
        await publish_all(bus, chain("r1"))
        await wait_for_state(database, "r1", S.AWAITING_APPROVAL)
        before = await _stored_offset(database)
        # The offsets read after the cut. A consumer back at "first" re-reads r1, but its batches drop what is
        # stored before folding, so the duplicate count alone would not see it.
        read: list[int] = []
        run = database.writer.run

        async def recording(fn: Any, *args: Any, **kwargs: Any) -> Any:
            if fn is fold_batch_sync:
                read.extend(offset for offset, _, _ in args[1])
            return await run(fn, *args, **kwargs)

        database.writer.run = recording  # type: ignore[method-assign]
        reconnected = asyncio.Event()
        bus.connection.reconnect_callbacks.add(lambda *_: reconnected.set())
        # Cut the broker connection under the projector (as a broker restart or a network blip would).
        await bus.connection.transport.connection.close(ConnectionError("test cut"))  # type: ignore[union-attr]
        await asyncio.wait_for(reconnected.wait(), 30)
        await publish_all(bus, chain("r2", app="other"))
        await wait_for_state(database, "r2", S.AWAITING_APPROVAL, timeout=30)
        assert projector._arguments["x-stream-offset"] > before
        assert read and min(read) > before, (before, sorted(read))
        await until_folded(projector, 14)
        assert projector.folded.duplicates == 0 and projector.folded.new == 14
    assert await _event_count(database) == 14
