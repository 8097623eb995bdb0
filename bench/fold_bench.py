"""The projector's fold alone, without a broker: events/s per 200,000 events as the database grows.

    .venv/bin/python -m bench.fold_bench [--releases 80000] [--database URL]
    .venv/bin/python -m bench.fold_bench --sizes 1 2 4 8 16 [--releases 2000]

Folds the history_bench's synthetic log (~11 events a release) in batches of 1,000, as the projector does, into a
fresh database (default: a new SQLite file), and prints the rate of each 200,000 events and its ratio to the first
200,000 of the same run: a fold whose cost grows with the history shows as a falling ratio.
`--sizes`: the CPU an event costs folded in batches of each size (a fresh database each), against batches of one
in the same run: what the projector's linger saves (fold_loop.py).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import tempfile
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime

from bench.history_fill import history
from services.shared.db.batches import Raw, fold_batch_sync
from services.shared.db.fold_loop import SMALL_BATCH
from services.shared.db.migrate import open_migrated
from services.shared.db.releases import ReleaseDatabase
from services.shared.db.schema import projection
from services.shared.db.settings import DatabaseSettings

SEGMENT = 200_000


@contextlib.asynccontextmanager
async def history_to_fold(releases: int, url: str) -> AsyncIterator[tuple[ReleaseDatabase, list[Raw]]]:
    """A fresh, migrated database with the bench's projection row, and the synthetic log to fold into it."""
    engine = await open_migrated(DatabaseSettings(GREENLIGHT_DATABASE_URL=url))  # type: ignore[call-arg]
    database = ReleaseDatabase(engine)
    try:
        async with engine.begin() as connection:
            await connection.execute(projection.insert().values(stream="bench", log_offset=-1,
                                                                updated_at=datetime.now(UTC)))
        yield database, [(offset, False, event.dumps()) for offset, event in enumerate(history(releases))]
    finally:
        database.writer.close()
        await engine.dispose()


async def main(releases: int, url: str) -> None:
    async with history_to_fold(releases, url) as (database, raw):
        started = last = time.perf_counter()
        first = 0.0
        for start in range(0, len(raw), 1000):
            await database.writer.run(fold_batch_sync, "bench", raw[start:start + 1000])
            if (start + 1000) % SEGMENT == 0:
                now = time.perf_counter()
                rate, last = SEGMENT / (now - last), now
                first = first or rate
                print(f"events {start + 1000 - SEGMENT:>9,}-{start + 1000:>9,}: {rate:8,.0f} events/s "
                      f"({rate / first:.2f}x the first {SEGMENT:,})", flush=True)
        print(f"all {len(raw):,} events: {len(raw) / (time.perf_counter() - started):,.0f} events/s")


async def by_size(releases: int, url: str, size: int) -> float:
    """CPU seconds an event costs, folded `size` events a transaction, as the projector folds small batches."""
    async with history_to_fold(releases, url) as (database, raw):
        started = time.process_time()
        for start in range(0, len(raw), size):
            await database.writer.run(fold_batch_sync, "bench", raw[start:start + size], small=size <= SMALL_BATCH)
        return (time.process_time() - started) / len(raw)


def sizes(releases: int, chosen: list[int]) -> None:
    baseline = 0.0
    for size in [1, *(s for s in chosen if s != 1)]:
        with tempfile.TemporaryDirectory(prefix="glbench-fold-") as scratch:
            cost = asyncio.run(by_size(releases, f"sqlite+aiosqlite:///{scratch}/fold.db", size))
        baseline = baseline or cost
        print(f"batches of {size:>4}: {cost * 1000:.3f} ms of CPU an event ({cost / baseline:.2f}x batches of one)",
              flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--releases", type=int, help="default 80,000; 2,000 with --sizes")
    parser.add_argument("--database", default="", help="GREENLIGHT_DATABASE_URL (default: a new SQLite file)")
    parser.add_argument("--sizes", type=int, nargs="*", help="CPU an event costs by batch size (see above)")
    args = parser.parse_args()
    if args.sizes:
        if args.database:
            parser.error("--sizes folds into a fresh SQLite file per size")
        sizes(args.releases or 2000, args.sizes)
        raise SystemExit
    with tempfile.TemporaryDirectory(prefix="glbench-fold-") as scratch:
        asyncio.run(main(args.releases or 80_000, args.database or f"sqlite+aiosqlite:///{scratch}/fold.db"))
