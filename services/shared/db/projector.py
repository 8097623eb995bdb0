"""The projector: folds the release log into the database, the log offset committed with the events it covers.

It resumes from the stored offset after a restart and after a reconnect, never from the start again. One process
per database folds (the holder of the lease, lease.py); the others stand by (standby.py) and take over when it is
gone. Should two fold at once, each batch first locks the projection row and drops what the other already folded,
so every event is applied once.
Ack policy: a batch's messages are acked (one `multiple` ack) only after its transaction committed.
Batching: a quiet spell's first delivery waits up to `linger` for more before it is folded. A transaction of one
event costs 0.34 ms of CPU here and one of eight 0.08 ms an event (bench/fold_bench.py's data, batch by batch),
and one release's events arrive a few milliseconds apart, so folding each alone cost about 3 ms of a release's
CPU on the services' cores. Only the intermediate steps linger: an event people hear of or act on (SHOWN_AT_ONCE:
`requested`, `awaiting_approval`, `approved`, a release's end...) is folded as it arrives, with whatever lingered
before it, in whichever process projects; so are SMALL_BATCH deliveries, and a stop or the catch-up marker ends
the wait.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import aio_pika
import sqlalchemy as sa
import structlog
from aio_pika.abc import AbstractIncomingMessage, AbstractRobustChannel

from services.shared.bus import Bus
from services.shared.db.batches import fold_batch_sync, item_of, offset_of
from services.shared.db.engine import DatabaseUnavailable, writing
from services.shared.db.fold import Folded, Item
from services.shared.db.lease import ProjectorLease
from services.shared.db.releases import ReleaseDatabase
from services.shared.db.schema import projection
from services.shared.protocol import SHOWN_AT_ONCE
from services.shared.releaselog import MARKER_HEADER, consume_log
from services.shared.stuck import on_the_broker
from services.shared.timeouts import bounded

log = structlog.get_logger(__name__)
SMALL_BATCH = 16  # events a batch may hold to be folded on the event loop's thread (writer.py: `run`'s small)
RETRY_LIMIT = 5.0  # seconds: the longest pause between two tries while the database is away (standby.py too)
_AT_ONCE = frozenset(state.value for state in SHOWN_AT_ONCE)  # the last word of an event's routing key
_FOLDED_UP_TO = sa.select(projection.c.log_offset).where(projection.c.stream == sa.bindparam("s"))


class Projector:
    def __init__(self, bus: Bus, database: ReleaseDatabase, batch_size: int = 1000, linger: float = 0.0) -> None:
        self.bus = bus
        self.database = database
        self.stream = bus.settings.log_stream
        self.batch_size = batch_size
        self.linger = linger
        self.lease = ProjectorLease(database.engine, self.stream)
        database.log_stream = self.stream  # this process's own records take turns with the batches on its row
        self.folded = Folded()
        self.batches = 0  # transactions committed: with `folded`, the events a transaction held (the benches)
        self.folded_to = -1  # the log offset this process last folded through (-1: none yet)
        self._marker = uuid.uuid4().hex
        self._caught_up = asyncio.Event()
        self._pending: list[AbstractIncomingMessage] = []
        self._arrivals: list[float] = []  # when each pending delivery arrived (time.monotonic), in step with it
        self._arrived = asyncio.Event()
        self._hurried = asyncio.Event()  # ends a linger: enough deliveries, a stop, the marker or `hurry`
        self._channel: AbstractRobustChannel | None = None
        self._worker: asyncio.Task[None] | None = None
        self._stopping = False
        # Handed to aio-pika by reference: a robust channel re-consumes with this very dict after a reconnect,
        # so moving the offset forward here makes a reconnect resume where the database is.
        self._arguments: dict[str, Any] = {}

    @property
    def leading(self) -> bool:
        return self._worker is not None

    @property
    def pending(self) -> int:
        """Deliveries not folded yet."""
        return len(self._pending)

    def behind(self) -> float:
        """Seconds since the oldest delivery not folded yet arrived; 0 when caught up. A database that is away or
        slow shows here first (/metrics: `greenlight_projection_behind_seconds`)."""
        return time.monotonic() - self._arrivals[0] if self._arrivals else 0.0

    async def lead(self, timeout: float | None = 60.0) -> None:
        """Fold everything logged before the call (with a timeout), then keep following. The lease is held.
        Called again after it failed part-way (the broker away during a takeover), it only does what is missing:
        a second worker would fold the same deliveries twice over."""
        if self._worker is None:
            stored = await self._stored_offset()
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
        log.info("release log projected", stream=self.stream, resumed_after=stored, new=self.folded.new)

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

    def _delivered(self, release_id: str) -> list[Item]:
        prefix = f"{release_id}/"  # an event's message id (events.py), so only its own bodies are parsed
        return [item for message in self._pending if (message.message_id or "").startswith(prefix)
                if (item := item_of(offset_of(message), message.body))]

    def hurry(self) -> None:
        """Fold what was delivered now, without waiting out the linger."""
        self._hurried.set()

    async def _on_message(self, message: AbstractIncomingMessage) -> None:
        self._pending.append(message)
        self._arrivals.append(time.monotonic())
        self._arrived.set()
        self.database.delivered((message.message_id or "").partition("/")[0])  # an event's id: release/seq
        if ((message.routing_key or "").rpartition(".")[2] in _AT_ONCE or len(self._pending) >= SMALL_BATCH
                or (message.headers or {}).get(MARKER_HEADER) == self._marker):
            self._hurried.set()

    async def _fold_forever(self) -> None:
        delay, raced, slow = 0.1, False, 1.0
        while True:
            await self._arrived.wait()
            if self.linger and len(self._pending) < SMALL_BATCH:
                with contextlib.suppress(TimeoutError):
                    await bounded(self._hurried.wait(), self.linger)
            self._hurried.clear()
            if self._stopping:
                return
            batch = self._pending[: self.batch_size]
            raw = [(offset_of(m), (m.headers or {}).get(MARKER_HEADER) is not None, m.body) for m in batch]
            try:
                # A large batch is parsed and folded on the writer's thread: 1000 events never stall the event loop.
                folded_to, folded = await self.database.writer.run(fold_batch_sync, self.stream, raw,
                                                                    small=len(raw) <= SMALL_BATCH)
            except (OSError, sa.exc.SQLAlchemyError) as exc:
                if isinstance(exc, sa.exc.IntegrityError) and not raced:
                    # Another writer committed some of these rows first (it raised only once that one committed):
                    # fold again at once, and the batch finds them stored. A second failure in a row backs off.
                    raced = True
                    continue
                # The database is away, or races keep being lost: keep the batch (unacked) and try again.
                log.warning("projection failed; retrying", error=str(exc).splitlines()[0][:200], retry_in=delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, RETRY_LIMIT)
                continue
            except Exception as exc:  # a bug, not the database: loud, but never a silent stop
                # Left to end the task, it would stop the read model for good while this process holds the
                # lease (no other process takes over) and still answers ready. The batch's transaction rolled
                # back, or committed and is found folded by the retry: retrying is safe.
                log.error("projection failed on an unexpected error; retrying", error=repr(exc)[:300],
                          retry_in=slow, exc_info=exc)
                await asyncio.sleep(slow)
                slow = min(slow * 2, 30.0)
                continue
            slow = 1.0
            delay, raced = 0.1, False
            self.batches += 1
            self.folded.new += folded.new
            self.folded.duplicates += folded.duplicates
            self.folded.conflicts += folded.conflicts
            del self._pending[: len(batch)], self._arrivals[: len(batch)]
            self.folded_to = folded_to
            if not self._pending and not self._stopping:  # a stop asked during the batch must not be lost
                self._arrived.clear()
            self._arguments["x-stream-offset"] = folded_to + 1
            if any((m.headers or {}).get(MARKER_HEADER) == self._marker for m in batch):
                self._caught_up.set()
            with contextlib.suppress(Exception):  # a channel lost in a reconnect: the new consumer re-reads
                await batch[-1].ack(multiple=True)
            await self.database.notify()

