"""The projector: folds the release log into the database, the log offset committed with the events it covers.

It resumes from the stored offset after a restart and after a reconnect, never from the start again. One process
per database folds (the holder of the lease, lease.py); the others stand by (standby.py) and take over when it is
gone. Should two fold at once, each batch first locks the projection row and drops what the other already folded,
so every event is applied once. This module leads (the lease, where to resume, the consumer, the catch-up marker)
and stops; following the stream (where to resume, a consumer lost, a stream replaced) is log_consumer.py's, and the
deliveries' gathering and linger are pending_deliveries.py's, their batches and acks fold_loop.py's FoldLoop,
which a Projector is.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Coroutine
from datetime import UTC, datetime
from typing import Any

import aio_pika
import sqlalchemy as sa
import structlog

from services.shared.bus import Bus
from services.shared.db.batches import replaced_key
from services.shared.db.engine import DatabaseUnavailable, writing
from services.shared.db.lease import ProjectorLease
from services.shared.db.log_consumer import LogConsumer
from services.shared.db.releases import ReleaseDatabase
from services.shared.db.schema import projection
from services.shared.releaselog import MARKER_HEADER, consume_stream
from services.shared.stop_deadline import within_stop
from services.shared.stuck import on_the_broker
from services.shared.timeouts import bounded

log = structlog.get_logger(__name__)


class Projector(LogConsumer):
    def __init__(self, bus: Bus, database: ReleaseDatabase, batch_size: int = 1000, linger: float = 0.0) -> None:
        super().__init__(bus, database, batch_size, linger)
        self.lease = ProjectorLease(database.engine, self.stream)
        database.log_stream = self.stream  # this process's own records take turns with the batches on its row
        self._worker: asyncio.Task[None] | None = None
        self._resumed_after = -1  # the stored offset the worker started after

    @property
    def leading(self) -> bool:
        return self._worker is not None

    def _following(self) -> bool:
        return self._worker is not None and not self._worker.done() and not self._worker.cancelling()

    async def lead(self, timeout: float | None = 60.0) -> None:
        """Fold everything logged before the call (with a timeout), then keep following. The lease is held.
        Called again after it failed part-way (the broker away during a takeover), it only does what is missing:
        a second worker would fold the same deliveries twice over."""
        if self._worker is None:
            self._resumed_after, self.base = stored = await self.stored()
            self._base_unsaved = False  # the stored base; _resume_at finds a replacement since
            self._arguments["x-stream-offset"] = await self._resume_at(stored[0])
            self._worker = asyncio.create_task(self._fold_forever(), name="projector")
            self.database.arrivals = self._delivered
            self.database.hurry = self.hurry
        if self._again is not None and not self._again.done():
            await self._again  # consuming again already: the channel was lost during the last try
        if self._channel is None:
            self._channel = await consume_stream(self._open_channel, self.stream, self._on_message, self._arguments)
        if timeout is None:
            return
        # A stream's declare-ok has no message count, so catch-up is proved by reading back our own marker.
        await self._channel.default_exchange.publish(
            aio_pika.Message(b"", headers={MARKER_HEADER: self._marker}), routing_key=self.stream)
        # Or until it stops at an event only a newer Greenlight reads (`newer`): the caller lets the lease go.
        await bounded(_first(self._caught_up.wait(), self.newer_seen.wait()), timeout)
        if self.newer is None:
            log.info("release log projected", stream=self.stream, resumed_after=self._resumed_after,
                     new=self.folded.new)

    async def stop(self, grace: float = 10.0) -> None:
        self._stopping = True  # a channel closed from here on is no consumer lost
        if self._again is not None:
            self._again.cancel()
            await asyncio.gather(self._again, return_exceptions=True)
        if self._worker is not None:
            self.database.arrivals = None
            self.database.hurry = None
            # Never cancel a batch inside its transaction: a cancelled aiosqlite call can leave the SQLite write
            # lock held by this process, and the next process to start waits for it in vain. The worker stops
            # between batches; only one stuck past `grace` is cancelled.
            self._stopping = True
            self._arrived.set()
            self._hurried.set()
            try:
                if not self._worker.done():  # stopped before: a worker cancelled then would raise here
                    await bounded(asyncio.shield(self._worker), within_stop(grace))
            except TimeoutError:
                self._worker.cancel()
            await asyncio.gather(self._worker, return_exceptions=True)
        if self._channel is not None:
            with contextlib.suppress(Exception):  # stuck: CallAbandoned, and the lease is still released
                await bounded(on_the_broker(self._channel.close()), 5)
        await self.lease.release()
        # Ready to lead again (a standby that takes over later): what the closed channel delivered and was not
        # folded is read again from the stored offset by whoever leads next.
        self._worker, self._channel, self._again, self._stopping, self.newer = None, None, None, False, None
        self.newer_seen.clear()
        self._pending.clear()
        self._arrivals.clear()
        self._offsets.clear()
        for event in (self._arrived, self._hurried, self._caught_up):
            event.clear()

    async def stored(self) -> tuple[int, int]:
        """The database offset folded through, and the base of the stream's offsets (fold_loop.py)."""
        async with writing(self.database.engine) as connection:
            rows = dict((await connection.execute(sa.select(projection.c.stream, projection.c.log_offset).where(
                projection.c.stream.in_([self.stream, replaced_key(self.stream)])))).tuples().all())
            if self.stream not in rows:
                # Offsets are unique in `events`: another log's events would collide with this one's, and the
                # projector would retry its first batch forever. Say so once, at start-up.
                other = (await connection.execute(sa.select(projection.c.stream).where(
                    projection.c.stream.not_in([self.stream, replaced_key(self.stream)]), projection.c.log_offset >= 0)
                    .limit(1))).scalar_one_or_none()
                if other is not None:
                    raise DatabaseUnavailable(
                        f"the database at GREENLIGHT_DATABASE_URL holds the release log {other!r}, not "
                        f"GREENLIGHT_LOG_STREAM={self.stream!r}: one database per release log (point "
                        "GREENLIGHT_DATABASE_URL at that log's database or an empty one)")
                await connection.execute(projection.insert().values(
                    stream=self.stream, log_offset=-1, updated_at=datetime.now(UTC)))
            return int(rows.get(self.stream, -1)), int(rows.get(replaced_key(self.stream), -1)) + 1


async def _first(*waits: Coroutine[Any, Any, Any]) -> None:
    tasks = [asyncio.create_task(wait) for wait in waits]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
