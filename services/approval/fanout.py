"""One reader of the release log per process, shared by every open event stream.

Each stream following the database itself would cost one query and one JSON parse per event per
subscriber: with 2,000 streams an event meant 2,000 queries. Here one task follows the database and
hands each event to every subscriber's queue; a stream resuming from an older offset first reads the
gap from the database itself, up to where the shared reader was when it subscribed, then takes the
queue, skipping what it already sent. A subscriber too slow to keep up (queue full) is ended: its
client reconnects with Last-Event-ID and catches up from the database. An event the read model did not fold (a
conflicting twin, an illegal transition) carries its `note`, as in `GET /releases/{id}`; one a newer Greenlight
wrote (a rolling upgrade) is handed on as stored (newer_rows.py), where it stopped every stream.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from time import monotonic

import structlog
from sqlalchemy.exc import SQLAlchemyError

from services.shared.db.newer_rows import NewerEvent, ShownEvent
from services.shared.db.releases import ReleaseDatabase
from services.shared.events import ReleaseEvent

log = structlog.get_logger(__name__)
QUEUE_LIMIT = 1000  # events one subscriber may lag behind before it is ended
# The reader's pauses after a failure (seconds), doubling up to the most; the first again after a healthy run.
RETRY_FIRST, RETRY_MOST, BUG_RETRY_FIRST, BUG_RETRY_MOST, HEALTHY_AFTER = 0.1, 5.0, 1.0, 30.0, 30.0


class SubscriberTooSlow(Exception):
    """The subscriber's queue overflowed; the stream ends and the client resumes from its Last-Event-ID."""


class Fanout:
    def __init__(self, database: ReleaseDatabase) -> None:
        self.database = database
        self.position = -1  # the newest offset handed to subscribers
        self._queues: set[asyncio.Queue[ShownEvent | None]] = set()
        self._task: asyncio.Task[None] | None = None
        self._starting = asyncio.Lock()

    async def _ensure_started(self) -> None:
        async with self._starting:
            if self._task is None:
                self.position = await self.database.last_offset()
                self._task = asyncio.create_task(self._read(self.position), name="sse-fanout")

    async def _read(self, after: int) -> None:
        # Every stream depends on this one task: a database hiccup (SQLite busy, a PostgreSQL restart) must not
        # end it, or every stream would idle on pings forever. It resumes after the last offset it handed on. Its
        # pauses start over once it ran healthy: kept, the longest one held every stream back at any later blip.
        delay, slow = RETRY_FIRST, BUG_RETRY_FIRST
        while True:
            began = monotonic()
            try:
                await self._follow(self.position)
            except (OSError, SQLAlchemyError) as exc:
                delay = RETRY_FIRST if monotonic() - began >= HEALTHY_AFTER else delay
                log.warning("event stream reader: database unavailable; retrying", error=str(exc)[:200],
                            retry_in=delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, RETRY_MOST)
            except Exception as exc:  # a bug: loud, and retried, for the same reason
                slow = BUG_RETRY_FIRST if monotonic() - began >= HEALTHY_AFTER else slow
                log.error("event stream reader failed on an unexpected error; retrying", error=repr(exc)[:300],
                          retry_in=slow, exc_info=exc)
                await asyncio.sleep(slow)
                slow = min(slow * 2, BUG_RETRY_MOST)

    async def _follow(self, after: int) -> None:
        follow = self.database.follow_shown(after)
        async with contextlib.aclosing(follow):
            async for logged in follow:
                self.position = logged.offset or 0
                for queue in list(self._queues):
                    if queue.full():
                        # Everything queued goes: what a subscriber sent must stay gap-free, so it ends at
                        # what it already sent and its client resumes from there.
                        self._queues.discard(queue)
                        while not queue.empty():
                            queue.get_nowait()
                        queue.put_nowait(None)
                    else:
                        queue.put_nowait(logged)

    async def _release_gap(self, release_id: str, after: int, live_from: int) -> AsyncIterator[ShownEvent]:
        # From its history, all folded up to live_from: from the log, a watch (always from the release's start) read
        # and parsed every event of every app since the log began.
        stored = [s for s in await self.database.shown_history(release_id)
                  if s.offset is not None and after < s.offset <= live_from]
        for event in sorted(stored, key=lambda s: s.offset or 0):
            yield event

    async def now(self) -> int:
        """The newest offset handed to subscribers: where a stream that asks for no history starts."""
        await self._ensure_started()
        return self.position

    async def events(self, after: int, match: Callable[[ReleaseEvent | NewerEvent], bool],
                     release_id: str | None = None, app: str | None = None) -> AsyncIterator[ShownEvent]:
        """Every event after `after` that matches (of `release_id`, of `app`: what the gap needs to read), forever:
        the gap from the database, then the shared feed."""
        await self._ensure_started()
        queue: asyncio.Queue[ShownEvent | None] = asyncio.Queue(QUEUE_LIMIT)
        self._queues.add(queue)
        live_from = self.position
        try:
            if after < live_from:
                # Only what this stream shows is read: (after, live_from], which the projector folded.
                gap = (self._release_gap(release_id, after, live_from) if release_id is not None
                       else self.database.follow_shown(after, app, live_from))
                async with contextlib.aclosing(gap):  # type: ignore[type-var]
                    async for logged in gap:
                        if match(logged.event):
                            yield logged
                after = live_from
            while True:
                item = await queue.get()
                if item is None:
                    raise SubscriberTooSlow(f"more than {QUEUE_LIMIT} events behind")
                if (item.offset or 0) > after and match(item.event):
                    after = item.offset or 0
                    yield item
        finally:
            self._queues.discard(queue)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        for queue in list(self._queues):  # end every subscriber: its client resumes elsewhere or after restart
            with contextlib.suppress(asyncio.QueueFull):
                queue.put_nowait(None)
        self._queues.clear()
