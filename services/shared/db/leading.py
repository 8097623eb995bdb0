"""A read model that leads (holds the projector's lease, standby.py): it folds the log, and watches for the moment to
step down and stand by again: its lease lost with its database connection, a preferred process started (lease.py),
or an event only a newer Greenlight reads met (newer_hand_off.py).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Coroutine
from typing import Any

import sqlalchemy as sa
import structlog

from services.shared.db.newer_hand_off import NewerHandOff
from services.shared.timeouts import bounded

log = structlog.get_logger(__name__)


class Leading(NewerHandOff):
    """ReadModel's part (standby.py, which sets these attributes) that leads, and steps down when due."""

    _standby: asyncio.Task[None] | None
    _watch: asyncio.Task[None] | None
    _stopping: bool
    _deferred: tuple[int, float] | None
    _stand_by: Callable[[], Coroutine[Any, Any, None]]  # standby_follow.py

    @property
    def leading(self) -> bool:
        return self.projector.leading

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
                elif self.preferred:
                    # Its candidacy lost alone, or not taken again when the lease was (a look held the lock that
                    # instant: SQLite's, or an older Greenlight's): unseen, the process that is not preferred leads
                    # for good after this one's next loss. A round trip a lease interval, as `lost` is.
                    await lease.stand()
                    continue
                elif loop.time() < hand_over_from or not await lease.candidate_waiting():
                    continue
                else:
                    log.info("projector lease handed over to a preferred process", stream=self.projector.stream)
            except (OSError, sa.exc.SQLAlchemyError) as exc:
                log.warning("read model: could not look after the projector lease", error=str(exc)[:200])
                continue
            except Exception as exc:  # a bug: loud, and this process keeps projecting
                log.error("read model: looking after the projector lease failed", error=repr(exc)[:300],
                          exc_info=exc)
                continue
            # Between batches: one in flight commits (and takes turns with another leader's on the projection row) or
            # rolls back, its deliveries unacked; the next leader resumes from the stored offset.
            await self.projector.stop()
            break
        if not self._stopping:
            self._standby = asyncio.create_task(self._stand_by(), name="projector-standby")
