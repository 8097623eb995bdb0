"""Paging GET /releases while releases arrive and change shows each release of the first page's moment once.

Many releases share one `created_at` (a burst of hook pushes in one clock tick): the cursor is (created_at, id),
so a page may end inside a run of equal times. Between pages new releases are created (newer, and in the same
tick on either side of the cursor's id) and the listed ones move on (state, approver): none of the releases there
at the start may be skipped or shown twice, and the pages stay newest first. On SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.shared.db import queries
from services.shared.db.engine import writing
from services.shared.db.releases import ReleaseDatabase
from services.shared.db.rows import release_row
from services.shared.db.schema import releases
from services.shared.protocol import ReleaseState
from services.shared.release import Release
from tests.harness import make_release

TICK = datetime(2026, 3, 1, 12, tzinfo=UTC)


def row(release: Release) -> dict[str, object]:
    values = release_row(release, in_flight=False)
    return {"id": values.pop("k_id"), **values}


async def insert(database: ReleaseDatabase, made: list[Release]) -> None:
    async with writing(database.engine) as connection:
        await connection.execute(releases.insert(), [row(r) for r in made])


async def test_each_release_is_listed_once_in_order_while_others_arrive(database: ReleaseDatabase) -> None:
    # 12 releases in one tick, 4 older ones a second apart.
    first = [make_release(f"t{n:02}", created_at=TICK, updated_at=TICK) for n in range(12)]
    first += [make_release(f"o{n}", created_at=TICK - timedelta(seconds=n + 1), updated_at=TICK) for n in range(4)]
    await insert(database, first)
    seen: list[Release] = []
    after: tuple[object, str] | None = None
    for turn in range(100):
        page, more = await database.page(queries.ReleaseFilter(), 5, after)
        seen += page
        if not more:
            break
        last = page[-1]
        after = (last.created_at, last.id)
        # Arrivals: one newer, two in the same tick on either side of the cursor's id; and the listed ones change.
        await insert(database, [make_release(f"n{turn}", created_at=TICK + timedelta(minutes=turn + 1)),
                                make_release(f"t{turn:02}a", created_at=TICK),
                                make_release(f"a{turn}", created_at=TICK)])
        async with writing(database.engine) as connection:
            await connection.execute(releases.update().where(releases.c.id.in_([r.id for r in page])).values(
                state=ReleaseState.FAILED.value, approver="zed", updated_at=TICK + timedelta(hours=1)))
    ids = [r.id for r in seen]
    assert len(ids) == len(set(ids)), ids
    assert {r.id for r in first} <= set(ids), sorted({r.id for r in first} - set(ids))
    order = [(r.created_at, r.id) for r in seen]
    assert order == sorted(order, reverse=True), order
