"""The indexes migrations add to tables that services write to meanwhile (online_index.py), and a PostgreSQL
database at the revision before each, its table filled: shared by the tests of those builds."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.shared.db.migrate import migrate

ROWS = 50_000


@dataclass(frozen=True)
class IndexBuild:
    revision: str
    previous: str
    table: str
    index: str
    shows: str  # a piece of the index's definition (pg_get_indexdef) that tells it is the one the migration makes
    fill: str  # SQL that adds :rows rows to the table, numbered from :start

    def __str__(self) -> str:
        return self.revision


_EVENTS = ("INSERT INTO events (release_id, seq, variant, app, state, actor, occurred_at, log_offset, body) "
           "SELECT 'r' || n / 10, n % 10 + 1, 0, 'app' || n % 50, (ARRAY['built', 'live', 'verifying'])[n % 3 + 1], "
           "'test', now() - n * interval '1 minute', n, "
           "'{\"release\": {\"commit\": \"' || md5((n / 10)::text) || '\"}}' "
           "FROM generate_series(CAST(:start AS bigint), :start + :rows - 1) AS n")
_CLAIMS = ("INSERT INTO greenlight_hook_claims (key, claimed_at) SELECT 'delivery-' || n, now() - n * interval '1 s' "
           "FROM generate_series(CAST(:start AS bigint), :start + :rows - 1) AS n")
_RELEASES = ("INSERT INTO releases (id, app, state, seq, requested_by, created_at, updated_at, snapshot) "
             "SELECT 'r' || n, 'app' || n % 50, (ARRAY['failed', 'superseded', 'rejected'])[n % 3 + 1], 1, 'ann', "
             "now() - n * interval '1 minute', now(), '{}' "
             "FROM generate_series(CAST(:start AS bigint), :start + :rows - 1) AS n")
_APPROVALS = ("INSERT INTO greenlight_approvals (release_id, approver, approved_at) "
              "SELECT 'r' || n, 'approver' || n % 20, now() - n * interval '1 s' "
              "FROM generate_series(CAST(:start AS bigint), :start + :rows - 1) AS n")
BUILDS = (
    IndexBuild("0006", "0005", "greenlight_hook_claims", "ix_greenlight_hook_claims_claimed_at", "(claimed_at)",
               _CLAIMS),
    IndexBuild("0007", "0006", "events", "events_by_state_time", "(state, occurred_at)", _EVENTS),
    IndexBuild("0009", "0008", "events", "events_by_app_commit", "'{release,commit}'", _EVENTS),
    IndexBuild("0010", "0009", "releases", "releases_by_app_state_time", "(app, state, created_at)", _RELEASES),
    IndexBuild("0015", "0014", "events", "events_by_pusher_key", "'{details,pusher_key}'", _EVENTS),
    # And its column, added between the writes (ADD COLUMN gives up its lock wait and tries again).
    IndexBuild("0016", "0015", "releases", "releases_by_app_commit", "(app, commit_sha, created_at)", _RELEASES),
    IndexBuild("0017", "0016", "greenlight_approvals", "greenlight_approvals_by_approver",
               "(approver, release_created_at, release_id)",
               _APPROVALS),
)

BY_REVISION = {build.revision: build for build in BUILDS}


async def filled_before(engine: AsyncEngine, build: IndexBuild) -> None:
    """The database at the revision before `build`, its table holding ROWS rows."""
    await migrate(engine, build.previous)
    async with engine.begin() as connection:
        await connection.execute(sa.text(build.fill), {"start": 0, "rows": ROWS})
        await connection.execute(sa.text(f"ANALYZE {build.table}"))


async def add_one(connection: AsyncConnection, build: IndexBuild, number: int) -> None:
    await connection.execute(sa.text(build.fill), {"start": ROWS + number, "rows": 1})


async def index_state(engine: AsyncEngine, name: str) -> tuple[bool, str] | None:
    """(valid, definition) of the index, None if there is none."""
    async with engine.connect() as connection:
        row = (await connection.execute(sa.text(
            "SELECT indisvalid, pg_get_indexdef(indexrelid) FROM pg_index WHERE indexrelid = to_regclass(:name)"),
            {"name": name})).first()
    return (bool(row[0]), str(row[1])) if row else None


async def until_waiting_on_a_lock(watcher: AsyncConnection, *tasks: asyncio.Task[Any]) -> None:
    """Until some session of this database waits on a lock (or a task ended early: the assertions then tell what
    happened). Each look is a round trip, which lets the others run meanwhile."""
    async with asyncio.timeout(30):
        while not any(task.done() for task in tasks):
            waiting = (await watcher.execute(sa.text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock'"))).scalar_one()
            await watcher.rollback()  # a new snapshot of pg_stat_activity each time
            if waiting:
                return
