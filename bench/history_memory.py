"""The in-memory fold main's API ran (LogReader + ReleaseStore over the whole log), timed in a process of its own.

Prints one JSON line: seconds to caught up, and the process's RSS then. Settings from the environment.
"""

from __future__ import annotations

import asyncio
import json
import os
import time

from bench.history_fill import rss_mb
from services.shared.bus import Bus
from services.shared.releaselog import LogReader
from services.shared.settings import BusSettings
from services.shared.store import ReleaseStore


async def main() -> None:
    bus = Bus(BusSettings(), connection_name="glbench-memory-fold")
    started = time.perf_counter()
    await bus.connect()
    store = ReleaseStore()
    reader = LogReader(bus, store)
    await reader.start(timeout=3600)
    seconds = time.perf_counter() - started
    print(json.dumps({"seconds": seconds, "rss_mb": rss_mb(os.getpid()), "releases": len(store.releases)}))
    await reader.stop()
    await bus.close()


if __name__ == "__main__":
    asyncio.run(main())
