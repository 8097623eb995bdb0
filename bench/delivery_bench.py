"""The delivery metrics' read (`GET /metrics/delivery`, the `/metrics` gauges) over a long history, without a broker.

    .venv/bin/python -m bench.delivery_bench [--releases 20000] [--database URL]

Folds a synthetic log (every release live, 11 events each, all within the last 30 days) into a fresh database, then
times the 30-day window (at most `MAX_RELEASES` releases read) and an empty one. The baseline, in the same run: a
bare read of the window's events (the report's query, `json.loads` of each body, no summary), what any reader of
them pays; the ratio says what the fold into DORA's keys adds.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from bench.fold_bench import history_to_fold
from services.approval.delivery_reads import FOLDED, IN_PRODUCTION, MAX_RELEASES, NOT_A_MEASUREMENT, _bounded_start
from services.approval.delivery_views import delivery_report
from services.shared.db.batches import fold_batch_sync
from services.shared.db.releases import ReleaseDatabase
from services.shared.db.schema import events
from services.shared.dora_history import STATES

RUNS = 5


async def bare_read(database: ReleaseDatabase, since: datetime) -> int:
    async with database.engine.connect() as connection:
        start = await _bounded_start(connection, since, None)  # the window the report reads
        went_live = (sa.select(events.c.release_id).where(IN_PRODUCTION, events.c.occurred_at >= start)
                     .distinct().subquery())
        query = (sa.select(events.c.body)
                 .join_from(went_live, events, events.c.release_id == went_live.c.release_id)
                 .where(events.c.state.in_([s.value for s in STATES]), FOLDED, NOT_A_MEASUREMENT)
                 .order_by(events.c.release_id, events.c.seq))
        read = 0
        async for chunk in (await connection.stream(query.execution_options(yield_per=1000))).partitions():
            read += len([json.loads(row.body) for row in chunk])
    return read


async def timed(what: object) -> float:
    started = time.perf_counter()
    await what  # type: ignore[misc]
    return time.perf_counter() - started


async def main(releases: int, url: str) -> None:
    async with history_to_fold(releases, url) as (database, raw):
        for start in range(0, len(raw), 1000):
            await database.writer.run(fold_batch_sync, "bench", raw[start:start + 1000])
        until = datetime.now(UTC) + timedelta(minutes=1)
        since = until - timedelta(days=30)
        print(f"{releases:,} releases, {len(raw):,} events folded; the window holds "
              f"{min(releases, MAX_RELEASES):,} releases; {RUNS} runs each, medians")
        rows = await bare_read(database, since)
        window, empty, bare = [], [], []
        for _ in range(RUNS):  # alternating, so a drift of the machine's speed touches all three alike
            window.append(await timed(delivery_report(database, since, until)))
            empty.append(await timed(delivery_report(database, until - timedelta(seconds=1), until)))
            bare.append(await timed(bare_read(database, since)))
        w, e, b = (statistics.median(x) for x in (window, empty, bare))
        print(f"bare read of the window's {rows:,} events: {b * 1000:8.1f} ms")
        print(f"the 30-day report:                 {w * 1000:8.1f} ms  ({w / b:.2f}x the bare read)")
        print(f"an empty window's report:          {e * 1000:8.1f} ms  ({e / b:.3f}x the bare read)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--releases", type=int, default=20_000)
    parser.add_argument("--database", help="a database URL (default: a fresh SQLite file)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="glbench-delivery-") as scratch:
        asyncio.run(main(args.releases, args.database or f"sqlite+aiosqlite:///{scratch}/delivery.db"))
