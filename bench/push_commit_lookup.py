"""How long a push takes to learn whether its commit was released (push_desk.py `released_commit`) for an app of
1,000 and of 10,000 releases, and the fold's release-row UPDATE per row: a measurement script, run by hand.

    .venv/bin/python -m bench.push_commit_lookup sqlite+aiosqlite:////tmp/push.db
    .venv/bin/python -m bench.push_commit_lookup postgresql+asyncpg://postgres@127.0.0.1:5432/<a scratch db>
    ... <url> 0015    (filled at that revision, its update measured; run again without it to migrate and measure)

Fills APPS (a tenth of each one's releases failed) and OTHERS releases of other apps; times CALLS lookups per app
of a new commit (the usual push) and of a released one, and the UPDATE of UPDATED rows in one executemany.
Before 0016 (every snapshot of the app read and validated), with that code, p50/p99 of a new commit: SQLite
9.96/21.69 ms at 1,000 releases, 99.71/115.65 ms at 10,000; PostgreSQL 10.51/14.45 and 105.47/317.08 ms.
"""

from __future__ import annotations

import asyncio
import hashlib
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from services.approval import push_desk
from services.approval.push_desk import released_commit
from services.shared.appspec import AppSpec
from services.shared.db.engine import open_engine, writing
from services.shared.db.fold_writes import _UPDATE_RELEASE
from services.shared.db.migrate import migrate
from services.shared.db.releases import ReleaseDatabase
from services.shared.db.rows import release_row
from services.shared.db.schema import releases
from services.shared.db.settings import DatabaseSettings
from services.shared.protocol import ReleaseState as S
from services.shared.release import Colour, Release
from tests.db.query_plans import plan

APPS = {"small": 1_000, "big": 10_000}
OTHERS, CALLS, UPDATED, BATCH = 10_000, 30, 2_000, 2_000
START = datetime(2026, 1, 1, tzinfo=UTC)


def sha(app: str, n: int) -> str:
    return hashlib.sha1(f"{app}{n}".encode()).hexdigest()


def row_of(release_: Release, version: str) -> dict[str, Any]:
    """Its row as the fold of `version` writes it: before 0016, without the commit column."""
    row = release_row(release_, False)
    return row if version >= "0016" else {k: v for k, v in row.items() if k != "commit_sha"}


def release(app: str, n: int) -> Release:
    at = START + timedelta(minutes=n)
    return Release(id=f"{app}-{n:06d}", app=app, repository="https://git.example.org/team/shop.git",
                   commit=sha(app, n), ref="main", requested_by="github-webhook", created_at=at, updated_at=at,
                   spec=AppSpec(), image=f"registry.example.org/{app}:{sha(app, n)[:12]}", digest="sha256:" + "d" * 64,
                   standby_colour=Colour.BLUE if n % 2 else Colour.GREEN, approver="bob", previous_release=None,
                   state=S.FAILED if n % 10 == 3 else S.SUPERSEDED, seq=11)


async def fill(engine: AsyncEngine, version: str) -> None:
    made = [release(app, n) for app, count in APPS.items() for n in range(count)]
    made += [release(f"app{n % 50}", n) for n in range(OTHERS)]
    for start in range(0, len(made), BATCH):
        rows = [row_of(r, version) for r in made[start:start + BATCH]]
        async with writing(engine) as connection:
            await connection.execute(releases.insert(), [{("id" if k == "k_id" else k): v for k, v in row.items()}
                                                         for row in rows])
    if engine.dialect.name == "postgresql":  # the statistics a long-lived database has
        async with engine.connect() as connection:
            await connection.execute(sa.text("ANALYZE"))
            await connection.commit()


def cut(took: list[float]) -> str:
    cuts = statistics.quantiles(took, n=100)
    return f"p50 {cuts[49]:.2f} ms, p99 {cuts[98]:.2f} ms"


async def lookups(database: ReleaseDatabase, app: str, count: int) -> None:
    rng = random.Random(1)
    await released_commit(database, app, "f" * 40)  # the statement prepared: not measured
    for kind in ("new commit", "released commit"):
        took = []
        for _ in range(CALLS):
            n = rng.randrange(count)
            while n % 10 == 3:  # a failed one does not count as released
                n = rng.randrange(count)
            commit = sha("new", n) if kind == "new commit" else sha(app, n)
            began = time.perf_counter()
            found = await released_commit(database, app, commit)
            took.append((time.perf_counter() - began) * 1000)
            assert found == (None if kind == "new commit" else f"{app}-{n:06d}"), found
        print(f"  {app} ({count} releases), {kind}: {cut(took)} over {CALLS} calls")


async def updates(engine: AsyncEngine, version: str) -> None:
    """The fold's release-row UPDATE, as it writes a batch's rows: microseconds per row, median of 5 rounds."""
    took = []
    for round_ in range(1, 6):
        later = [release("big", n).model_copy(update={"seq": 11 + round_}) for n in range(UPDATED)]
        rows = [row_of(r.model_copy(update={"updated_at": r.updated_at + timedelta(seconds=round_)}), version)
                for r in later]
        began = time.perf_counter()
        async with writing(engine) as connection:
            await connection.execute(_UPDATE_RELEASE, rows)
        took.append((time.perf_counter() - began) / UPDATED * 1e6)
    print(f"  fold's release-row update: {statistics.median(took):.1f} µs per row ({UPDATED} rows at once)")


async def main(url: str, revision: str = "head") -> None:
    engine = open_engine(DatabaseSettings(GREENLIGHT_DATABASE_URL=url, statement_timeout=0))  # type: ignore[call-arg]
    began = time.perf_counter()
    await migrate(engine, revision)
    print(f"migrated in {time.perf_counter() - began:.2f} s")
    async with engine.connect() as connection:
        filled = (await connection.execute(sa.select(sa.func.count()).select_from(releases))).scalar_one()
        version = (await connection.execute(sa.text("SELECT version_num FROM alembic_version"))).scalar_one()
    if not filled:
        began = time.perf_counter()
        await fill(engine, version)
        print(f"filled {sum(APPS.values()) + OTHERS} releases in {time.perf_counter() - began:.1f} s")
    database = ReleaseDatabase(engine)
    try:
        print(f"{engine.dialect.name} at {version}:")
        if version >= "0016":  # before it, only the code of its time could look (the figures above)
            for app, count in APPS.items():
                await lookups(database, app, count)
            await _explain(engine)
        await updates(engine, version)
    finally:
        database.close()
        await engine.dispose()


async def _explain(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        print(await plan(connection, push_desk.released_query("big", sha("big", 1))))


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:3]))
