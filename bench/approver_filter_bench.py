"""`GET /releases?approver=X`'s page query (queries.py `page_query`) at 100,000 releases: a measurement script, run
by hand, the same data on SQLite and PostgreSQL.

    .venv/bin/python -m bench.approver_filter_bench

Every release is decided by `bob`; `alice` gave the earlier of two approvals to every other one (50,000 rows of
greenlight_approvals) and `carol` to every 1,000th. Times CALLS first pages and CALLS deep pages (a cursor half way)
of 50 for each, beside the baseline measured in the same run: the same page filtered on the deciding approver
alone (the query before migration 0017, which did not find alice's or carol's releases at all).
"""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import tempfile
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from services.shared.db import queries
from services.shared.db.engine import open_engine, writing
from services.shared.db.migrate import migrate
from services.shared.db.schema import greenlight_approvals, releases
from services.shared.db.settings import DatabaseSettings

RELEASES, CALLS, LIMIT, BATCH = 100_000, 50, 50, 10_000
START = datetime(2026, 1, 1, tzinfo=UTC)
PG_ADMIN = os.environ.get("GREENLIGHT_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")


def admin_psql(sql: str) -> None:
    subprocess.run(["psql", PG_ADMIN, "-qc", sql], check=True, timeout=60)


def deciding_alone(approver: str, after: tuple[object, str] | None) -> sa.Select[Any]:
    """The baseline: the page as read before 0017, by the deciding approver's column alone."""
    query = queries.page_query(queries.ReleaseFilter(), LIMIT + 1, after)
    return query.where(releases.c.approver == approver)


async def fill(url: str) -> Any:
    engine = open_engine(DatabaseSettings(GREENLIGHT_DATABASE_URL=url))  # type: ignore[call-arg]
    await migrate(engine)
    async with writing(engine) as connection:
        for start in range(0, RELEASES, BATCH):
            await connection.execute(releases.insert(), [
                {"id": f"r{n:06}", "app": f"app{n % 500}", "state": "superseded", "seq": 10, "requested_by": "ann",
                 "approver": "bob", "created_at": START + timedelta(minutes=n), "updated_at": START,
                 "in_flight": False, "snapshot": f'{{"id": "r{n:06}"}}'} for n in range(start, start + BATCH)])
        given = [{"release_id": f"r{n:06}", "approver": who, "approved_at": START,
                  "release_created_at": START + timedelta(minutes=n)}
                 for n in range(0, RELEASES, 2) for who in ("alice", "carol") if who == "alice" or n % 1000 == 0]
        for start in range(0, len(given), BATCH):
            await connection.execute(greenlight_approvals.insert(), given[start:start + BATCH])
        if connection.dialect.name == "postgresql":
            await connection.exec_driver_sql("ANALYZE")
    return engine


async def timed(engine: Any, query: sa.Select[Any]) -> tuple[float, float, int]:
    times = []
    for _ in range(CALLS):
        began = time.perf_counter()
        async with engine.connect() as connection:
            rows = (await connection.execute(query)).all()
        times.append((time.perf_counter() - began) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.99) - 1], len(rows)


async def measure(name: str, url: str) -> None:
    engine = await fill(url)
    try:
        half = (START + timedelta(minutes=RELEASES // 2), f"r{RELEASES // 2:06}")
        for approver in ("bob", "alice", "carol"):
            for page, after in (("first", None), ("deep", half)):
                p50, p99, found = await timed(engine, queries.page_query(
                    queries.ReleaseFilter(approver=approver), LIMIT + 1, after))
                b50, b99, alone = await timed(engine, deciding_alone(approver, after))
                print(f"[{name}] approver={approver} {page} page: p50 {p50:.2f} ms p99 {p99:.2f} ms, {found} rows "
                      f"(baseline, the deciding approver alone: p50 {b50:.2f} ms p99 {b99:.2f} ms, {alone} rows): "
                      f"{p50 / b50:.2f}x")
    finally:
        await engine.dispose()


async def main() -> None:
    admin_psql("DROP DATABASE IF EXISTS glbench_approvers WITH (FORCE)")
    admin_psql("CREATE DATABASE glbench_approvers")
    try:
        with tempfile.TemporaryDirectory(prefix="glbench-approvers-") as scratch:
            await measure("sqlite", f"sqlite+aiosqlite:///{scratch}/greenlight.db")
        await measure("postgresql", "postgresql+asyncpg://postgres@127.0.0.1:5432/glbench_approvers")
    finally:
        admin_psql("DROP DATABASE IF EXISTS glbench_approvers WITH (FORCE)")


if __name__ == "__main__":
    asyncio.run(main())
