"""A process with a read model but without the projector's lease: it waits for the leader, follows it, and
takes the lease over when the leader is gone.

Ready means the same as for the leader: the database holds everything logged before start-up. The standby learns
where the log ends by reading back a marker it publishes (consumed from "next", so nothing before it is read),
then waits until the projection has passed that offset. Its readers (SSE streams, the desk) are woken when the
stored offset moves, looked at every `follow_interval` and at once on PostgreSQL (wakeup.py); the lease is tried
every `lease_interval`, so a leader's death costs at most that before another process folds (it resumes from the
stored offset: nothing is lost). A process that is not `preferred` (the switcher) leads only while no preferred one
(an API) runs: leading, it hands the lease over within `lease_interval` of one starting (lease.py). A leader whose
lease went with its database connection steps down within `lease_interval` and stands by, competing for it again.

During a rolling upgrade the log may hold an event only a newer Greenlight reads (events.NewerVersion). A leader that
meets one stops before it (fold_loop.py), lets the lease go at once (and its candidacy) so that a newer replica takes
over, and is not ready until the projection has passed it; it tries the lease again only after NEWER_PAUSE lease
intervals (a replica restarted meanwhile may be a newer one), so old replicas hand the lease round at that pace and
none of them spins.
"""

from __future__ import annotations

import asyncio
import contextlib

import aio_pika
import sqlalchemy as sa
import structlog

from services.shared.db.fold_loop import RETRY_LIMIT
from services.shared.db.logend import log_end_in_database
from services.shared.db.projector import Projector
from services.shared.db.wakeup import FoldWakeup
from services.shared.stuck import on_the_broker
from services.shared.timeouts import bounded

log = structlog.get_logger(__name__)
# A process that is not preferred defers to a preferred one; but if the projection then stands still for this many
# lease intervals (that one cannot lead: its database connection half gone, say), it leads anyway, and keeps the
# lease for HOLD intervals before it looks for a preferred process again.
DEFER_LIMIT, HOLD = 10, 60
NEWER_PAUSE = 30  # lease intervals a process that stopped at a newer Greenlight's event leaves the lease to others


class ReadModel:
    """The projector of this process, leading or standing by."""

    def __init__(self, projector: Projector, follow_interval: float = 0.05, lease_interval: float = 1.0, *,
                 preferred: bool = False, readiness: dict[str, bool] | None = None) -> None:
        self.projector = projector
        self.follow_interval = follow_interval
        self.lease_interval = lease_interval
        self.preferred = preferred
        self._standby: asyncio.Task[None] | None = None
        self._watch: asyncio.Task[None] | None = None  # while leading: the lease lost, a preferred process started
        self._stopping = False  # once set, neither task starts the other
        self._deferred: tuple[int, float] | None = None  # (offset, since when) while deferring to a preferred one
        self._wakeup = FoldWakeup(projector.database.engine, projector.stream)
        self.readiness = readiness  # the service's /readyz flags (runtime.py): "database" False while `not ready`
        self._newer: tuple[int, float] | None = None  # (offset stopped at, when to try the lease again)

    @property
    def ready(self) -> bool:
        """False from stopping at an event only a newer Greenlight reads until the projection has passed it."""
        return self._newer is None

    @property
    def left_to_newer(self) -> int | None:
        """The offset of the event only a newer Greenlight reads that this process stopped at, until it is folded."""
        return self._newer[0] if self._newer is not None else None

    async def start(self, timeout: float = 60.0) -> None:
        projector = self.projector
        if self.preferred:
            await projector.lease.stand()  # one that fails now (an instant's probe) is retried standing by
        # At start a free lease is taken whatever the preference: a preferred process starting too gets it handed over.
        if await projector.lease.try_acquire() and await self._lead(timeout):
            return
        loop = asyncio.get_running_loop()
        async with asyncio.timeout(timeout):
            target = await log_end_in_database(projector.bus, projector.database)
            while (now := await projector.folded_up_to()) < target:
                # The leader is gone: catch up ourselves (not while leaving the lease to a newer replica)
                if not self._held_back(now, loop.time()) and await projector.lease.try_acquire():
                    await self._wakeup.close()
                    if await self._lead(timeout):  # its own marker comes after `target`: caught up past it
                        return
                await self._wakeup.wait(self.follow_interval)
            self._held_back(now, loop.time())
        log.info("read model current; another process projects", stream=projector.stream, offset=target)
        self._standby = asyncio.create_task(self._stand_by(), name="projector-standby")

    async def stop(self) -> None:
        # Each task may start the other (a hand-over stands by, a takeover leads and looks for a hand-over): awaiting
        # one let the other start a new one, which outlived the stop (seen once in CI, a leaked hand-over task).
        self._stopping = True
        tasks = [task for task in (self._watch, self._standby) if task is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await self._wakeup.close()
        await self.projector.stop()
        await self.projector.lease.withdraw()

    async def _lead(self, timeout: float | None, hold: float = 0.0) -> bool:
        """Lead; False if it stopped at once at an event only a newer Greenlight reads (the lease let go)."""
        await self.projector.lead(timeout)
        if self.projector.newer is not None:
            await self._let_go()
            return False
        self._deferred = None  # a later spell standing by counts its own stall, not one from before this lead
        if not self._stopping:
            self._watch = asyncio.create_task(self._step_down_when_due(hold), name="projector-watch")
        return True

    async def _let_go(self) -> None:
        """The projector stopped at an event only a newer Greenlight reads: the lease (and the candidacy, which would
        hold a newer switcher off) goes to whoever can read it, and this process is not ready until it is folded."""
        offset = self.projector.newer[0] if self.projector.newer else -1
        await self.projector.stop()
        if self.preferred:
            await self.projector.lease.withdraw()
        self._newer = (offset, asyncio.get_running_loop().time() + NEWER_PAUSE * self.lease_interval)
        self._set_ready(False)

    def _held_back(self, folded: int, now: float) -> bool:
        """Whether to leave the lease alone: within NEWER_PAUSE of stopping at a newer Greenlight's event that the
        projection (`folded`) has not passed yet."""
        if self._newer is not None and folded >= self._newer[0]:
            self._newer = None  # another replica folded it
            self._set_ready(True)
        return self._newer is not None and now < self._newer[1]

    def _set_ready(self, ready: bool) -> None:
        if self.readiness is not None:
            self.readiness["database"] = ready

    async def _step_down_when_due(self, hold: float) -> None:
        """A leader steps down, and stands by, once its lease is lost with its connection (another process may hold
        it now) or, if it is not preferred, once a preferred process runs (looked for after `hold`)."""
        loop = asyncio.get_running_loop()
        hand_over_from, lease = loop.time() + hold, self.projector.lease
        while True:
            with contextlib.suppress(TimeoutError):  # woken at once by an event only a newer Greenlight reads
                await bounded(self.projector.newer_seen.wait(), self.lease_interval)
            if self.projector.newer is not None:
                await self._let_go()
                break
            try:
                if await lease.lost():
                    log.warning("projector lease lost with its database connection; standing by to take it again",
                                stream=self.projector.stream)
                elif self.preferred or loop.time() < hand_over_from or not await lease.candidate_waiting():
                    continue
                else:
                    log.info("projector lease handed over to a preferred process", stream=self.projector.stream)
            except (OSError, sa.exc.SQLAlchemyError) as exc:
                log.warning("read model: could not look for a preferred projector", error=str(exc)[:200])
                continue
            except Exception as exc:  # a bug: loud, and this process keeps projecting
                log.error("read model: looking for a preferred projector failed", error=repr(exc)[:300],
                          exc_info=exc)
                continue
            # Between batches: one in flight commits (and takes turns with another leader's on the projection row) or
            # rolls back, its deliveries unacked; the next leader resumes from the stored offset.
            await self.projector.stop()
            break
        if not self._stopping:
            self._standby = asyncio.create_task(self._stand_by(), name="projector-standby")

    @property
    def leading(self) -> bool:
        return self.projector.leading

    async def _stand_by(self) -> None:
        projector, seen, waited = self.projector, -1, 0.0
        loop = asyncio.get_running_loop()
        backoff = 0.0  # while the database or the broker is away: the pause before the next try
        while True:
            started = loop.time()
            # Woken at once by a fold on PostgreSQL (wakeup.py).
            await self._wakeup.wait(backoff or self.follow_interval)
            waited += loop.time() - started
            try:
                now = await projector.folded_up_to()
                held_back = self._held_back(now, loop.time())  # ready again once another replica folded it
                if now != seen:
                    seen = now
                    await projector.database.notify()
                if waited >= self.lease_interval and not held_back:
                    waited = 0.0
                    hold = await self._turn_to_lead(now, loop.time())
                    if hold is not None and await projector.lease.try_acquire():
                        log.info("projector lease taken over: this process folds the log now", after=now,
                                 despite_a_preferred_process=bool(hold))
                        await self._wakeup.close()
                        if await on_the_broker(self._lead(None, hold)):  # a stuck connection: tried again
                            return
                backoff = 0.0
            except (OSError, sa.exc.SQLAlchemyError, aio_pika.exceptions.AMQPError) as exc:
                # Each try is a connection attempt and this warning: in an outage they grow apart as the
                # projector's do, not every replica trying 20 times a second until the database is back.
                backoff = min(max(backoff, self.follow_interval) * 2, RETRY_LIMIT)
                log.warning("read model standby: database or broker unavailable; trying again",
                            error=str(exc).splitlines()[0][:200], retry_in=backoff)
            except Exception as exc:  # a bug: loud, but a standby that stopped would never take over
                backoff = min(max(backoff, self.follow_interval) * 2, RETRY_LIMIT)
                log.error("read model standby failed on an unexpected error; trying again", error=repr(exc)[:300],
                          exc_info=exc, retry_in=backoff)

    async def _turn_to_lead(self, offset: int, now: float) -> float | None:
        """None if a preferred process should take the lease rather than this one; else how long to keep it, once
        taken, before looking for a preferred process again (long after overriding one that could not lead)."""
        lease = self.projector.lease
        if self.preferred:
            await lease.stand()
            return 0.0
        if not await lease.candidate_waiting():
            self._deferred = None
            return 0.0
        if self._deferred is None or self._deferred[0] != offset:
            self._deferred = (offset, now)
        stalled = now - self._deferred[1] >= DEFER_LIMIT * self.lease_interval
        return HOLD * self.lease_interval if stalled else None
