"""An event the log holds but the database cannot store (a seq past the column's range, an id longer than the
column, a NUL on PostgreSQL, a time with no UTC equivalent) is skipped with a warning, like an unreadable one. Each
was refused by every batch that held it, retried for good: the projection stopped there, on either database."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import sqlalchemy as sa

from services.shared.bus import Bus
from services.shared.db.releases import ReleaseDatabase
from services.shared.db.schema import events, projection
from services.shared.events import first_event
from services.shared.protocol import ReleaseState as S
from tests.db.conftest import chain, projecting, publish_all
from tests.harness import make_release, wait_for_state


def _poison() -> list:
    long_id = "r" * 65  # the releases.id column holds 64
    far = datetime(9999, 12, 31, 23, 0, tzinfo=timezone(timedelta(hours=-5)))  # past year 9999 in UTC
    return [
        first_event(make_release(long_id, "shop"), actor="ann"),
        first_event(make_release("big-seq", "shop"), actor="ann").model_copy(update={"seq": 2**31}),
        first_event(make_release("far", "shop", created_at=far, updated_at=far), actor="ann"),
        first_event(make_release("long-requester", "shop", requested_by="x" * 101), actor="ann"),
        first_event(make_release("nul", "shop", requested_by="a\x00b"), actor="ann"),  # PostgreSQL's text has none
    ]


async def test_events_the_database_cannot_hold_do_not_stop_the_projection(bus: Bus, database: ReleaseDatabase
                                                                          ) -> None:
    async with projecting(bus, database):
        await publish_all(bus, [*_poison(), *chain("after", app="blog")])
        await wait_for_state(database, "after", S.AWAITING_APPROVAL, timeout=15)
    async with database.engine.connect() as connection:
        stored = (await connection.execute(sa.select(events.c.release_id))).scalars().all()
        offset = (await connection.execute(sa.select(projection.c.log_offset))).scalar_one()
    assert set(stored) == {"after"}
    assert offset >= 5 + 7 - 1
