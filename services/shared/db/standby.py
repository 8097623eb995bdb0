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

During a rolling upgrade the log may hold an event only a newer Greenlight reads: newer_hand_off.py.
The read model's parts: this module starts and stops it; leading.py leads and steps down; standby_follow.py stands
by and takes the lease over; newer_hand_off.py leaves a newer Greenlight's event to a replica that reads it.
"""

from __future__ import annotations

import asyncio

import structlog

from services.shared.db.logend import log_end_now
from services.shared.db.projector import Projector
from services.shared.db.standby_follow import StandingBy
from services.shared.db.wakeup import FoldWakeup

log = structlog.get_logger(__name__)


class ReadModel(StandingBy):
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

    async def start(self, timeout: float = 60.0) -> None:
        projector = self.projector
        if self.preferred:
            await projector.lease.stand()  # one that fails now (an instant's look) is retried standing by
        # At start a free lease is taken whatever the preference: a preferred process starting too gets it handed over.
        if await projector.lease.try_acquire() and await self._lead(timeout):
            return
        loop = asyncio.get_running_loop()
        async with asyncio.timeout(timeout):
            mark = await log_end_now(projector.bus, projector.database)
            while True:
                target = await mark.in_database(projector.database, projector.stream)
                now = await projector.folded_up_to()
                if target is not None and now >= target:
                    break
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
