"""Two transactions that change one app at once both show in its `apps` row (PostgreSQL).

Each writer of an app's row (the projector's batch, the switcher's record of its own events, the API's strict record,
`forget`) recomputes the row from the releases it reads and writes it whole. PostgreSQL runs them in READ COMMITTED
and the API's strict record does not take the projection row's lock that the other two take, so a strict record and
a batch (or a record of the switcher's) on one app used to run side by side: each read the releases without the
other's uncommitted change, and the one that committed last wrote a row missing the other's (GET /apps/{app} then
lost the standby or the in-flight release until a later fold changed the row). Every writer now takes the app's
lock before reading (appstate.py), so the second reads after the first committed.

Here R1 has just gone live; R0's `superseded` (folded by the batch, or recorded by the switcher) meets the API's
strict record of R2's `requested`. A third connection holds the app's row until both writers wait on a lock: without
the turns both have read the releases by then (what a few milliseconds' overlap does in production). SQLite's writers
are serial (one write lock), so this is PostgreSQL's alone.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.shared.db.appstate import recompute_apps_sync
from services.shared.db.batches import fold_batch_sync
from services.shared.db.engine import open_engine
from services.shared.db.migrate import migrate
from services.shared.db.releases import ReleaseDatabase
from services.shared.db.schema import apps, projection
from services.shared.db.settings import DatabaseSettings
from services.shared.events import first_event
from services.shared.protocol import ReleaseState as S
from services.shared.release import Colour
from tests.db.conftest import went_live
from tests.harness import make_release

STREAM = "gltest.app-row-turns.log"
SHOWN = ("live_release", "live_colour", "standby_release", "in_flight_release")



async def _row(engine: AsyncEngine) -> dict[str, Any]:
    async with engine.connect() as connection:
        row = (await connection.execute(sa.select(apps).where(apps.c.app == "demo"))).mappings().one()
    return {key: row[key] for key in SHOWN}


async def _until_waiting_on_locks(watcher: AsyncConnection, count: int, *tasks: asyncio.Task[Any]) -> None:
    """Until `count` sessions wait on a lock (or a task ended early: the assertions then tell what happened). Each
    look is a round trip, which lets the writers run meanwhile."""
    async with asyncio.timeout(20):
        while not any(task.done() for task in tasks):
            waiting = (await watcher.execute(sa.text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock'"))).scalar_one()
            await watcher.rollback()  # a new snapshot of pg_stat_activity each time
            if waiting >= count:
                return


@pytest.mark.parametrize("other", ["projector's batch", "switcher's record"])
async def test_a_strict_record_and_another_writer_of_the_app_both_show(postgres_url: str, other: str) -> None:
    settings = DatabaseSettings(GREENLIGHT_DATABASE_URL=postgres_url)  # type: ignore[call-arg]
    api_engine, projector_engine, blocker_engine = (open_engine(settings) for _ in range(3))
    await migrate(projector_engine)
    api, projector = ReleaseDatabase(api_engine), ReleaseDatabase(projector_engine)
    projector.log_stream = STREAM
    try:
        async with projector_engine.begin() as connection:
            await connection.execute(projection.insert().values(stream=STREAM, log_offset=-1,
                                                                updated_at=datetime.now(UTC)))
        r0 = went_live("r0", Colour.BLUE, None)
        r1 = went_live("r1", Colour.GREEN, "r0")
        raw = [(n, False, e.dumps()) for n, e in enumerate([*r0, *r1])]
        await projector.writer.run(fold_batch_sync, STREAM, raw)
        superseded = r0[-1].next(S.SUPERSEDED, actor="switcher")
        requested = first_event(make_release("r2", "demo", previous_release="r1"), actor="bob")

        async with blocker_engine.connect() as blocker, blocker_engine.connect() as watcher:
            hold = await blocker.begin()
            await blocker.execute(sa.select(apps).where(apps.c.app == "demo").with_for_update())
            if other == "projector's batch":
                first = asyncio.create_task(projector.writer.run(
                    fold_batch_sync, STREAM, [(len(raw), False, superseded.dumps())]))
            else:
                first = asyncio.create_task(projector.record_all([superseded]))
            record = asyncio.create_task(api.record(requested, strict=True))
            await _until_waiting_on_locks(watcher, 2, first, record)
            await hold.commit()
        await asyncio.wait_for(asyncio.gather(first, record), 20)

        stored = await _row(projector_engine)
        async with projector_engine.begin() as connection:  # what one writer after the other gives
            await connection.run_sync(recompute_apps_sync, ["demo"])
        assert await _row(projector_engine) == {"live_release": "r1", "live_colour": "green",
                                                "standby_release": "r0", "in_flight_release": "r2"}
        assert stored == {"live_release": "r1", "live_colour": "green", "standby_release": "r0",
                          "in_flight_release": "r2"}
    finally:
        api.close()
        projector.close()
        for engine in (api_engine, projector_engine, blocker_engine):
            await engine.dispose()
