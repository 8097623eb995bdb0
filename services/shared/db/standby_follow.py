"""A read model standing by (standby.py): it follows the leader's folds, wakes this process's readers when the
stored offset moves, and takes the lease over once it is free and this process's turn (a process that is not
preferred defers to a preferred one, lease.py).
"""

from __future__ import annotations

import asyncio

import aio_pika
import sqlalchemy as sa
import structlog

from services.shared.db.fold_loop import RETRY_LIMIT
from services.shared.db.leading import Leading
from services.shared.db.wakeup import FoldWakeup
from services.shared.stuck import on_the_broker

log = structlog.get_logger(__name__)
# A process that is not preferred defers to a preferred one; but if the projection then stands still for this many
# lease intervals (that one cannot lead: its database connection half gone, say), it leads anyway, and keeps the
# lease for HOLD intervals before it looks for a preferred process again.
DEFER_LIMIT, HOLD = 10, 60


class StandingBy(Leading):
    """ReadModel's part (standby.py, which sets these attributes) that stands by until it takes the lease over."""

    follow_interval: float
    _wakeup: FoldWakeup

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
        if lease.held:
            # Taken, but the takeover failed part-way (the broker away as it consumed): it finishes it, and then hands
            # the lease over as any leader does. Deferring here kept the lease from the preferred process, nobody
            # projecting, until this one's override (DEFER_LIMIT, then HOLD intervals).
            return 0.0
        if not await lease.candidate_waiting():
            self._deferred = None
            return 0.0
        if self._deferred is None or self._deferred[0] != offset:
            self._deferred = (offset, now)
        stalled = now - self._deferred[1] >= DEFER_LIMIT * self.lease_interval
        return HOLD * self.lease_interval if stalled else None
