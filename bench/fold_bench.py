"""The projector's fold alone, without a broker: events/s per 200,000 events as the database grows.

    .venv/bin/python -m bench.fold_bench [--releases 80000] [--database URL]

Folds the history_bench's synthetic log (~11 events a release) in batches of 1,000, as the projector does, into a
fresh database (default: a new SQLite file), and prints the rate of each 200,000 events and its ratio to the first
200,000 of the same run: a fold whose cost grows with the history shows as a falling ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from datetime import UTC, datetime

from bench.history_fill import history
from services.shared.db.engine import open_migrated
from services.shared.db.projector import fold_batch_sync
from services.shared.db.releases import ReleaseDatabase
from services.shared.db.schema import projection
from services.shared.db.settings import DatabaseSettings

SEGMENT = 200_000


async def main(releases: int, url: str) -> None:
    engine = await open_migrated(DatabaseSettings(GREENLIGHT_DATABASE_URL=url))  # type: ignore[call-arg]
    database = ReleaseDatabase(engine)
    try:
        async with engine.begin() as connection:
            await connection.execute(projection.insert().values(stream="bench", log_offset=-1,
                                                                updated_at=datetime.now(UTC)))
        raw = [(offset, False, event.dumps()) for offset, event in enumerate(history(releases))]
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
    finally:
        database.writer.close()
        await engine.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--releases", type=int, default=80_000)
    parser.add_argument("--database", default="", help="GREENLIGHT_DATABASE_URL (default: a new SQLite file)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="glbench-fold-") as scratch:
        asyncio.run(main(args.releases, args.database or f"sqlite+aiosqlite:///{scratch}/fold.db"))
