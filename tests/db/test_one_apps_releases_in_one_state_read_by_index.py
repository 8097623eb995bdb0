"""`GET /releases?app=X&state=Y` reads only app X's releases in state Y, newest first from the cursor's place.

SQLite runs with no statistics, and chose the state index (state, created_at) for it: every release of that state of
every app, newest first, until a page of X's was found. For an app with few releases in a common state (or none),
that read every release in that state (at 300,000 releases, an app with no live release read all 100,000 live ones:
136 ms a page). PostgreSQL chose by its statistics and read only the matching rows. Migration 0010's index
(app, state, created_at) serves both keys in the page's order. Checked on both databases over thousands of
releases, the app in question a rare one.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.shared.db import queries
from services.shared.db.engine import writing
from services.shared.db.releases import ReleaseDatabase
from services.shared.db.schema import releases
from services.shared.protocol import ReleaseState
from tests.db.test_release_pages_read_by_index import plan

MANY = 5000
START = datetime(2026, 1, 1, tzinfo=UTC)
WHERE = queries.ReleaseFilter(app="rare", state=ReleaseState.FAILED)


async def test_a_rare_apps_page_in_a_common_state_reads_only_its_rows(database: ReleaseDatabase) -> None:
    rows = [{"id": f"R{n:05}", "app": "rare" if n % 500 == 0 else f"app{n % 5}", "state": ("failed", "live")[n % 2],
             "seq": 1, "requested_by": "u", "approver": None, "created_at": START + timedelta(minutes=n),
             "updated_at": START, "in_flight": False, "snapshot": f"R{n:05}"} for n in range(MANY)]
    async with writing(database.engine) as connection:
        await connection.execute(releases.insert(), rows)
        if connection.dialect.name == "postgresql":
            await connection.exec_driver_sql("ANALYZE releases")
    async with database.engine.connect() as connection:
        for after in (None, (START + timedelta(minutes=4000), "R04000")):
            found = await plan(connection, queries.page_query(WHERE, 51, after))
            if connection.dialect.name == "sqlite":
                # Both keys bound the index range: no release of another app, or in another state, is read.
                assert "(app=? AND state=?" in found, (after, found)
            else:
                conditions = [line for line in found.splitlines() if "Index Cond" in line]
                assert any("app" in line and "state" in line for line in conditions), (after, found)
            assert "SCAN releases" not in found and "Seq Scan" not in found, (after, found)
        page = (await connection.execute(queries.page_query(WHERE, 51, None))).scalars().all()
    assert page == [f"R{n:05}" for n in range(4500, -1, -500)]  # the rare app's failed releases, newest first
