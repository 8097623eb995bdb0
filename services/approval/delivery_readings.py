"""The delivery reports the API reads: the last 30 days shared by every viewer, other windows a few at a time.

Each report reads up to `MAX_RELEASES` releases' events (about a second of the API's CPU at 10,000 releases, and a
few MB held while it runs). The last 30 days are what every open dashboard asks for each minute (dashboard/
delivery.js) and what the gauges show, so that report is read at most once every `RECENT_EVERY` seconds and every
caller meanwhile is handed it; concurrent callers wait for the one reading, and share its failure. A window of a
caller's own (`since`) is read afresh, at most `READS_AT_ONCE` such windows at a time (beside the one recent
reading): a caller sending many at once queues them instead of holding many windows in memory and the event loop.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from aiohttp import web

from services.approval.delivery_reads import window_summaries
from services.shared.db.releases import ReleaseDatabase
from services.shared.dora import DEFAULT_FAILURE_WINDOW, DeliveryReport, keys, report
from services.shared.release import utcnow

DEFAULT_WINDOW = timedelta(days=30)
# 30 days' figures move little in a minute, and a window of thousands of releases takes a second or more to read.
RECENT_EVERY = 60.0
# Windows of callers' own read side by side (the shared recent reading aside); more wait their turn.
READS_AT_ONCE = 2


async def delivery_report(database: ReleaseDatabase, since: datetime, until: datetime, app: str | None = None,
                          ) -> DeliveryReport:
    start, summaries, live_before = await window_summaries(database, since, app)
    return report(summaries, min(start, until), until, DEFAULT_FAILURE_WINDOW, live_before)


def of_app(found: DeliveryReport, app: str) -> DeliveryReport:
    """One app's part of a report of every app: its keys as the overall figures."""
    days = max((found.until - found.since).total_seconds() / 86400, 1e-9)
    mine = found.apps.get(app)
    return DeliveryReport(found.since, found.until, mine or keys([], days), {app: mine} if mine else {})


class DeliveryReadings:
    def __init__(self, every: float = RECENT_EVERY, clock: Callable[[], float] = time.monotonic,
                 at_once: int = READS_AT_ONCE) -> None:
        self.every = every
        self.clock = clock
        self._recent: tuple[float, DeliveryReport] | None = None
        self._reading_recent = asyncio.Lock()
        self._ended = 0  # readings of the recent report ended so far, read or failed
        self._failed: Exception | None = None  # how the last one failed, if it did
        self._slots = asyncio.Semaphore(at_once)

    async def recent(self, database: ReleaseDatabase) -> DeliveryReport:
        """The last 30 days of every app, read at most once every `every` seconds."""
        queued_at = self._ended
        async with self._reading_recent:  # one at a time: a caller that waited finds it fresh
            if self._recent is not None and self.clock() - self._recent[0] < self.every:
                return self._recent[1]
            if self._failed is not None and self._ended != queued_at:
                # Failed while this caller waited: reading again in turn, each caller waited out a frozen
                # database's statement timeout once more, and callers queued without end.
                raise self._failed
            until = utcnow()
            try:
                # Not behind the windows' slots: callers queueing windows must not hold up the gauges' scrape.
                found = await delivery_report(database, until - DEFAULT_WINDOW, until)
            except Exception as exc:
                self._ended, self._failed = self._ended + 1, exc
                raise
            self._ended, self._failed = self._ended + 1, None
            self._recent = (self.clock(), found)
            return found

    async def window(self, database: ReleaseDatabase, since: datetime, until: datetime, app: str | None = None,
                     ) -> DeliveryReport:
        async with self._slots:
            return await delivery_report(database, since, until, app)


READINGS = web.AppKey("delivery_readings", DeliveryReadings)
