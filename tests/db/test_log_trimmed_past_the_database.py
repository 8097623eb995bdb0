"""A database behind the start of a bounded log (restored from a backup older than the log reaches back, or left
unprojected for longer than the bound): the events in between are in neither. The projector says so in one error
line naming both offsets, and folds on from the log's start (README: *Backups*). A stream's offsets also skip one
at each segment's start (a chunk of the broker's own): that is not reported."""

from __future__ import annotations

import itertools

import sqlalchemy as sa
import structlog
from sqlalchemy.ext.asyncio import AsyncEngine

from services.shared.bus import Bus
from services.shared.db.migrate import migrate
from services.shared.db.releases import ReleaseDatabase
from services.shared.db.schema import events, projection
from services.shared.protocol import ReleaseState as S
from services.shared.settings import BusSettings
from tests.db.backups import opened
from tests.db.conftest import chain, projecting, publish_all
from tests.harness import observer, wait_for_state

TRIMMED = "the log was trimmed past the projected offset: events are missing from the database"


async def test_a_log_trimmed_past_the_database_is_reported(bus_settings: BusSettings, any_database: str) -> None:
    bounded = bus_settings.model_copy(update={"log_max_bytes": 40_000, "log_segment_bytes": 8_000})
    bus = Bus(bounded, connection_name="gltest-trimmed")
    await bus.connect()
    try:
        async with opened(any_database) as database:
            await migrate(database.engine)
            await publish_all(bus, chain("r0", app="app0"))
            async with projecting(bus, database):  # caught up with the log once it is entered
                async with database.engine.connect() as connection:
                    stored = (await connection.execute(sa.select(projection.c.log_offset))).scalar_one()
            for i in range(1, 80):  # nobody projects meanwhile; the log keeps about the last 30 releases
                await publish_all(bus, chain(f"r{i}", app=f"app{i}"))
            async with observer(bounded) as log:  # what the log still holds, read from its start
                await wait_for_state(log, "r79", S.AWAITING_APPROVAL)
                assert "r1" not in log.releases and "r79" in log.releases

            with structlog.testing.capture_logs() as logs:
                async with projecting(bus, database):
                    await wait_for_state(database, "r79", S.AWAITING_APPROVAL)
            trimmed = [entry for entry in logs if entry["event"] == TRIMMED]
            assert len(trimmed) == 1, [(e["projected"], e["first_available"]) for e in trimmed]
            assert trimmed[0]["log_level"] == "error" and trimmed[0]["projected"] == stored
            assert trimmed[0]["first_available"] > stored + 1
            assert await database.get("r0") is not None  # what the database held stays
            assert await database.get("r1") is None  # what only the trimmed log held is gone
    finally:
        await bus.close()


async def test_a_segments_start_is_not_reported(bus_settings: BusSettings, database: ReleaseDatabase,
                                                engine: AsyncEngine) -> None:
    small_segments = bus_settings.model_copy(update={"log_segment_bytes": 4_000})  # a few events each, none trimmed
    bus = Bus(small_segments, connection_name="gltest-segments")
    await bus.connect()
    try:
        with structlog.testing.capture_logs() as logs:
            async with projecting(bus, database):
                for i in range(4):
                    for event in chain(f"r{i}", app=f"app{i}"):
                        await bus.publish(event)  # folded before the next is sent: every gap falls between batches
                        await wait_for_state(database, event.release_id, event.state)
        async with engine.connect() as connection:
            offsets = (await connection.execute(sa.select(events.c.log_offset).order_by(events.c.log_offset))).scalars()
            skipped = [(a, b) for a, b in itertools.pairwise(offsets) if b - a > 1]
        assert len(skipped) >= 3 and all(b - a == 2 for a, b in skipped), skipped  # segment starts, as the test means
        assert [entry for entry in logs if entry["event"] == TRIMMED] == []
    finally:
        await bus.close()
