"""The projector: folds the release log into the database, the log offset committed with the events it covers.

It resumes from the stored offset after a restart and after a reconnect, never from the start again. One process
per database folds (the holder of the lease, lease.py); the others stand by (standby.py) and take over when it is
gone. Should two fold at once, each batch first locks the projection row and drops what the other already folded,
so every event is applied once. This module leads (the lease, where to resume, the consumer, the catch-up marker)
and stops; the deliveries' batching, linger and acks are fold_loop.py's FoldLoop, which a Projector is.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime

import aio_pika
import sqlalchemy as sa
import structlog
from aio_pika.abc import AbstractRobustChannel

from services.shared.bus import Bus
from services.shared.db.engine import DatabaseUnavailable, writing
from services.shared.db.fold_loop import FoldLoop
from services.shared.db.lease import ProjectorLease
from services.shared.db.releases import ReleaseDatabase
from services.shared.db.schema import projection
from services.shared.releaselog import MARKER_HEADER, consume_log
from services.shared.stuck import on_the_broker
from services.shared.timeouts import bounded

log = structlog.get_logger(__name__)
_FOLDED_UP_TO = sa.select(projection.c.log_offset).where(projection.c.stream == sa.bindparam("s"))


class Projector(FoldLoop):
    def __init__(self, bus: Bus, database: ReleaseDatabase, batch_size: int = 1000, linger: float = 0.0) -> None:
        self.bus = bus
        super().__init__(database, bus.settings.log_stream, batch_size, linger)
        self.lease = ProjectorLease(database.engine, self.stream)
        database.log_stream = self.stream  # this process's own records take turns with the batches on its row
        self._channel: AbstractRobustChannel | None = None
        self._worker: asyncio.Task[None] | None = None
        self._resumed_after = -1  # the stored offset the worker started after

    @property
    def leading(self) -> bool:
        return self._worker is not None

    async def lead(self, timeout: float | None = 60.0) -> None:
        """Fold everything logged before the call (with a timeout), then keep following. The lease is held.
        Called again after it failed part-way (the broker away during a takeover), it only does what is missing:
        a second worker would fold the same deliveries twice over."""
        if self._worker is None:
            self._resumed_after = stored = await self._stored_offset()
            self._arguments["x-stream-offset"] = stored + 1 if stored >= 0 else "first"
            self._worker = asyncio.create_task(self._fold_forever(), name="projector")
            self.database.arrivals = self._delivered
            self.database.hurry = self.hurry
        if self._channel is None:
            self._channel = await consume_log(self.bus, self.stream, 2 * self.batch_size, self._on_message,
                                              self._arguments)
        if timeout is None:
            return
        # A stream's declare-ok has no message count, so catch-up is proved by reading back our own marker.
        await self._channel.default_exchange.publish(
            aio_pika.Message(b"", headers={MARKER_HEADER: self._marker}), routing_key=self.stream)
        await bounded(self._caught_up.wait(), timeout)
        log.info("release log projected", stream=self.stream, resumed_after=self._resumed_after, new=self.folded.new)

    async def stop(self, grace: float = 10.0) -> None:
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
                    await bounded(asyncio.shield(self._worker), grace)
            except TimeoutError:
                self._worker.cancel()
            await asyncio.gather(self._worker, return_exceptions=True)
        if self._channel is not None:
            with contextlib.suppress(Exception):  # stuck: CallAbandoned, and the lease is still released
                await bounded(on_the_broker(self._channel.close()), 5)
        await self.lease.release()
        # Ready to lead again (a standby that takes over later): what the closed channel delivered and was not
        # folded is read again from the stored offset by whoever leads next.
        self._worker, self._channel, self._stopping = None, None, False
        self._pending.clear()
        self._arrivals.clear()
        for event in (self._arrived, self._hurried, self._caught_up):
            event.clear()

    async def folded_up_to(self) -> int:
        # Through the reader threads: a standby asks this 20 times a second.
        rows = await self.database.keyed(_FOLDED_UP_TO, {"s": self.stream})
        return int(rows[0][0]) if rows else -1

    async def _stored_offset(self) -> int:
        async with writing(self.database.engine) as connection:
            stored = (await connection.execute(sa.select(projection.c.log_offset)
                                               .where(projection.c.stream == self.stream))).scalar_one_or_none()
            if stored is None:
                # Offsets are unique in `events`: another log's events would collide with this one's, and the
                # projector would retry its first batch forever. Say so once, at start-up.
                other = (await connection.execute(sa.select(projection.c.stream).where(
                    projection.c.stream != self.stream, projection.c.log_offset >= 0).limit(1))).scalar_one_or_none()
                if other is not None:
                    raise DatabaseUnavailable(
                        f"the database at GREENLIGHT_DATABASE_URL holds the release log {other!r}, not "
                        f"GREENLIGHT_LOG_STREAM={self.stream!r}: one database per release log (point "
                        "GREENLIGHT_DATABASE_URL at that log's database or an empty one)")
                await connection.execute(projection.insert().values(
                    stream=self.stream, log_offset=-1, updated_at=datetime.now(UTC)))
                return -1
            return int(stored)
