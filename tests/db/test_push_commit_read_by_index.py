"""A push learns whether its commit was released from that commit's releases alone (push_desk.py `released_commit`).

It read every snapshot of the app that did not fail or get rejected and validated each with pydantic to compare its
commit: 100 ms a push at 10,000 releases on either database (bench/push_commit_lookup.py), on the API's event loop.
Migration 0016 adds `releases.commit_sha` (filled from the snapshots already there; written by the fold from then
on) and indexes it with the app. Checked on both databases: the answer is the same release as before (the earliest
of that commit that did not fail or get rejected), a row older code writes during a rolling upgrade (no commit_sha)
still counts, and the plan reads by releases_by_app_commit, never every release of the app.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from services.approval.push_desk import released_commit, released_query
from services.shared.db.engine import writing
from services.shared.db.migrate import migrate
from services.shared.db.releases import ReleaseDatabase
from services.shared.db.schema import releases
from services.shared.events import first_event
from services.shared.protocol import ReleaseState as S
from services.shared.release import Release
from tests.db.query_plans import plan

MANY = 3000
START = datetime(2026, 1, 1, tzinfo=UTC)


def sha(n: int) -> str:
    return f"{n:040x}"


def row(n: int, commit: str, state: S, app: str = "shop") -> dict[str, object]:
    """A release's row as 0015's fold wrote it: no commit column."""
    at = START + timedelta(minutes=n)
    made = Release(id=f"r{n:05}", app=app, repository="https://example.org/shop.git", commit=commit,
                   requested_by="ann", created_at=at, updated_at=at, state=state, seq=3)
    return {"id": made.id, "app": app, "state": state.value, "seq": 3, "requested_by": "ann", "created_at": at,
            "updated_at": at, "in_flight": False, "snapshot": made.model_dump_json()}


async def test_a_pushed_commit_is_looked_up_by_its_own_releases(engine: AsyncEngine) -> None:
    await migrate(engine, "0015")
    history = [row(n, sha(n), S.SUPERSEDED, app=f"app{n % 10}") for n in range(MANY)]
    history += [row(MANY + 1, sha(1), S.FAILED), row(MANY + 2, sha(2), S.REJECTED),  # not released
                row(MANY + 3, sha(3), S.FAILED), row(MANY + 4, sha(3), S.SUPERSEDED),
                row(MANY + 5, sha(3), S.LIVE)]  # released twice: the earlier one is the answer
    async with writing(engine) as connection:
        await connection.execute(releases.insert(), history)
    await migrate(engine)
    async with writing(engine) as connection:  # written by 0015's code on another replica, after the migration
        await connection.execute(releases.insert(), [row(MANY + 6, sha(6), S.LIVE)])
    database = ReleaseDatabase(engine)
    try:
        await database.record(first_event(Release(id="hooked", app="shop", repository="https://example.org/shop.git",
                                                  commit=sha(7), requested_by="github-webhook"), actor="hook"))
        async with engine.connect() as connection:
            unfilled = (await connection.execute(sa.select(releases.c.id).where(releases.c.commit_sha.is_(None))
                                                 .order_by(releases.c.id))).scalars().all()
            found = await plan(connection, released_query("shop", sha(3)))
        assert unfilled == [f"r{MANY + 6:05}"]  # the migration filled every row there; the fold fills its own
        assert await released_commit(database, "shop", sha(3)) == f"r{MANY + 4:05}"
        assert await released_commit(database, "shop", sha(1)) is None
        assert await released_commit(database, "shop", sha(2)) is None
        assert await released_commit(database, "shop", sha(6)) == f"r{MANY + 6:05}"
        assert await released_commit(database, "shop", sha(7)) == "hooked"
        assert await released_commit(database, "app0", sha(10)) == "r00010"
        assert await released_commit(database, "app1", sha(10)) is None  # another app's commit
        assert await released_commit(database, "shop", "f" * 40) is None
    finally:
        database.close()
    assert "releases_by_app_commit" in found, found
    assert "SCAN releases" not in found and "Seq Scan" not in found, found
    assert "releases_by_app " not in found and "releases_by_app_state" not in found, found
