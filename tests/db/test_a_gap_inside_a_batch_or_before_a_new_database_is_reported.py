"""Offsets gone between two deliveries the projector read are reported, wherever the gap falls. Only a gap between
the stored offset and a batch's first delivery was: a log trimmed while the projector was behind (its deliveries
buffered, a database slow or away) skips to what is left inside a batch, and a new database pointed at a trimmed
log (a move to PostgreSQL, a database lost) starts at the log's first offset; both lost releases without a word.
A segment's start (two offsets on) is still no gap."""

from __future__ import annotations

from datetime import UTC, datetime

import structlog

from services.shared.bus import Bus
from services.shared.db.batches import fold_batch_sync
from services.shared.db.migrate import migrate
from services.shared.db.releases import ReleaseDatabase
from services.shared.db.schema import projection
from services.shared.protocol import ReleaseState as S
from services.shared.settings import BusSettings
from tests.db.backups import opened
from tests.db.conftest import chain, projecting, publish_all
from tests.harness import observer, wait_for_state

TRIMMED = "the log was trimmed past the projected offset: events are missing from the database"
STREAM = "gltest.gap-in-a-batch.log"


def trimmed(logs: list[dict[str, object]]) -> list[tuple[object, object]]:
    return [(entry["projected"], entry["first_available"]) for entry in logs if entry["event"] == TRIMMED]


async def test_a_gap_inside_one_batch_is_reported_and_a_segments_start_is_not(database: ReleaseDatabase) -> None:
    async with database.engine.begin() as connection:
        await connection.execute(projection.insert().values(stream=STREAM, log_offset=9, updated_at=datetime.now(UTC)))
    database.log_stream = STREAM
    events = chain("r1", app="one") + chain("r2", app="two")
    offsets = [10, 11, 13, 14, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49]  # 12: a segment's start; 15-39 trimmed
    raw = [(offset, False, event.dumps()) for offset, event in zip(offsets, events, strict=True)]
    with structlog.testing.capture_logs() as logs:
        await database.writer.run(fold_batch_sync, STREAM, raw)
    assert trimmed(logs) == [(14, 40)]
    assert (await database.get("r2")) is not None  # what is left is folded all the same


async def test_a_new_database_on_a_trimmed_log_is_told_what_it_lacks(bus_settings: BusSettings,
                                                                    any_database: str) -> None:
    bounded = bus_settings.model_copy(update={"log_max_bytes": 40_000, "log_segment_bytes": 8_000})
    bus = Bus(bounded, connection_name="gltest-new-database")
    await bus.connect()
    try:
        for i in range(80):  # the log keeps about the last 30 releases
            await publish_all(bus, chain(f"r{i}", app=f"app{i}"))
        async with observer(bounded) as log:
            await wait_for_state(log, "r79", S.AWAITING_APPROVAL)
            assert "r0" not in log.releases
        async with opened(any_database) as database:
            await migrate(database.engine)
            with structlog.testing.capture_logs() as logs:
                async with projecting(bus, database):
                    await wait_for_state(database, "r79", S.AWAITING_APPROVAL)
            [(projected, first)] = trimmed(logs)
            assert projected == -1 and isinstance(first, int) and first > 1
    finally:
        await bus.close()
