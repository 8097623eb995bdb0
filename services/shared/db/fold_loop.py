"""The projector's fold loop (projector.py leads it): the deliveries gathered (pending_deliveries.py) folded in
batches, each in one transaction with the log offset it reaches (batches.py), then acked.

Ack policy: a batch's messages are acked (one `multiple` ack) only after its transaction committed.
Batching: a quiet spell's first delivery waits up to `linger` for more before it is folded. A transaction of one
event costs 0.34 ms of CPU here and one of eight 0.08 ms an event (bench/fold_bench.py's data, batch by batch),
and one release's events arrive a few milliseconds apart, so folding each alone cost about 3 ms of a release's
CPU on the services' cores. Only the intermediate steps linger (pending_deliveries.py says which end the wait).
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import sqlalchemy as sa
import structlog

from services.shared.db.batches import fold_batch_sync, why_newer
from services.shared.db.fold import Folded
from services.shared.db.outage import is_outage
from services.shared.db.pending_deliveries import SMALL_BATCH, PendingDeliveries
from services.shared.db.releases import ReleaseDatabase
from services.shared.releaselog import MARKER_HEADER
from services.shared.stuck import on_the_broker
from services.shared.timeouts import bounded

log = structlog.get_logger(__name__)
RETRY_LIMIT = 5.0  # seconds: the longest pause between two tries while the database is away (standby.py too)


class FoldLoop(PendingDeliveries):
    """The loop that folds what the log delivered to this process (the projector's worker task, `_fold_forever`),
    and where it has folded to."""

    def __init__(self, database: ReleaseDatabase, stream: str, batch_size: int, linger: float) -> None:
        super().__init__(database)
        self.stream = stream
        self.batch_size = batch_size
        self.linger = linger
        self.folded = Folded()
        self.batches = 0  # transactions committed: with `folded`, the events a transaction held (the benches)
        self.folded_to = -1  # the log offset this process last folded through (-1: none yet)
        # A new base is stored with the first batch that reaches the new stream, in its transaction: with old
        # deliveries alone it would be above the folded offset, and readers take the higher row for folded.
        self._base_unsaved = False
        self._caught_up = asyncio.Event()
        self._stopping = False
        # The offset of an event only a newer Greenlight reads, and why, once the loop stopped there (it ends then:
        # standby.py lets the lease go so that a replica that reads it folds it); `newer_seen` is set with it.
        self.newer: tuple[int, str] | None = None
        self.newer_seen = asyncio.Event()
        # Handed to aio-pika by reference: a robust channel re-consumes with this very dict after a reconnect,
        # so moving the offset forward here makes a reconnect resume where the database is.
        self._arguments: dict[str, Any] = {}

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
            raw = [(o, (m.headers or {}).get(MARKER_HEADER) is not None, m.body)
                   for m, o in zip(batch, self._offsets[: len(batch)], strict=True)]
            base = self.base if self._base_unsaved and any(r[0] >= self.base for r in raw) else None
            try:
                # A large batch is parsed and folded on the writer's thread: 1000 events never stall the event loop.
                folded_to, folded = await self.database.writer.run(
                    fold_batch_sync, self.stream, raw, base, self.parse, small=len(raw) <= SMALL_BATCH)
            except Exception as exc:
                lost_race = isinstance(exc, sa.exc.IntegrityError)
                if lost_race and not raced:
                    # Another writer committed some of these rows first (it raised only once that one committed):
                    # fold again at once, and the batch finds them stored. A second failure in a row backs off.
                    raced = True
                    continue
                # The database is away, or races keep being lost: keep the batch (unacked) and try again. A
                # statement the database refused (a value it cannot hold, an operator's trigger) is neither: it was
                # a warning here, like a restart, every 5 s for good; it is an error with its traceback below.
                if lost_race or is_outage(exc):
                    log.warning("projection failed; retrying", error=str(exc).splitlines()[0][:200], retry_in=delay)
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, RETRY_LIMIT)
                    continue
                # A bug or a refused statement, not the database being away: loud, but never a silent stop.
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
            # Cut short just before an event only a newer Greenlight reads (batches.py): from it on, left unacked.
            offsets = self._offsets[: len(batch)]
            cut = next((i for i, offset in enumerate(offsets) if offset > folded_to), None)
            newer = None if cut is None else batch[offsets.index(folded_to + 1)].body
            batch = batch[:cut]
            del self._pending[: len(batch)], self._arrivals[: len(batch)], self._offsets[: len(batch)]
            self.folded_to = folded_to
            self._base_unsaved &= base != self.base or folded_to < base - 1  # else stored with a later batch
            if not self._pending and not self._stopping:  # a stop asked during the batch must not be lost
                self._arrived.clear()
            self._arguments["x-stream-offset"] = max(folded_to - self.base + 1, 0)
            if any((m.headers or {}).get(MARKER_HEADER) == self._marker for m in batch):
                self._caught_up.set()
            with contextlib.suppress(Exception):  # a channel lost in a reconnect: the new consumer re-reads
                if batch:  # (a stuck connection's CancelledError too: stuck.py)
                    await on_the_broker(batch[-1].ack(multiple=True))
            await self.database.notify()
            if newer is not None:
                self.newer = (folded_to + 1, why_newer(newer, self.parse))
                log.error("the release log holds an event only a newer Greenlight can read: projection stopped "
                          "before it, letting the lease go to a replica that reads it", stream=self.stream,
                          offset=self.newer[0], reason=self.newer[1])
                self.newer_seen.set()
                return
