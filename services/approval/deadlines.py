"""The deadline watcher: a step's timer came back (services/shared/deadlines.py); fail the release if it is
still in that step. Runs in the approval service, which folds the release log anyway.

The read model may be behind the log when the timer fires: the projector lingers over intermediate steps
(`GREENLIGHT_DATABASE_LINGER`), a batch is being committed, or this replica stands by and follows another's folds.
A step that finished just in time (`built` logged, not folded) then looked unfinished, and the release was failed
with a `failed` on the seq of its own next step. So before failing, the read model is brought up to the log's end
as of now, past the timer, and asked again. With the database away the log itself is read instead.

A release a newer Greenlight moved on with an event this version cannot read (a rolling upgrade) is left alone, with
one log line, whether the read model or the log (deadline_log.py) says so: the log read used to skip that event, find
the step's start the newest event it reads, and fail a release past the step.

The `failed` quotes the deadline the timer waited out, named by the timer queue the broker dead-lettered it from
(`x-first-death-queue`): a changed deadline leaves the timers of releases already in the step in the old value's
queue, firing at the old value, and quoting the setting in force when one fired failed a release after 1.5 s "within
its deadline of 60 min". A timer that does not say (retried: retries.py keeps no `x-` header) quotes the setting.
"""

from __future__ import annotations

import asyncio

import structlog

from services.approval.deadline_log import latest_logged
from services.approval.gate import UnknownHere, latest_known
from services.shared.bus import DELIVERED_HEADERS, Bus
from services.shared.consumer import Retry, Subscription
from services.shared.db.logend import log_end_now
from services.shared.db.releases import ReleaseDatabase
from services.shared.deadlines import (
    DEADLINE_KEY,
    STEP_DEADLINES,
    STEP_STARTED_BY,
    DeadlineSettings,
    deadline_of_queue,
)
from services.shared.events import ReleaseEvent
from services.shared.protocol import ReleaseState
from services.shared.release import ReleaseError

log = structlog.get_logger(__name__)
ACTOR = "deadline"
CATCH_UP = 10.0  # seconds for the read model to reach the log's end before the log itself is read
POLL = 0.05  # seconds between two looks at the folded offset when no fold is heard of (another replica folds)


class DeadlineWatch:
    """Idempotent: a release no longer in the step (moved on, or already failed by an earlier timer or a
    duplicate one) is left alone; the `failed` follows the latest logged event, so a redelivery re-emits it."""

    def __init__(self, store: ReleaseDatabase, deadlines: DeadlineSettings) -> None:
        self.store = store
        self.deadlines = deadlines

    async def __call__(self, timer: ReleaseEvent, bus: Bus) -> None:
        step = STEP_STARTED_BY.get(timer.state)
        if step is None:
            log.warning("a deadline timer for a state without a step; ignored")
            return
        in_step = STEP_DEADLINES[step][1]
        try:
            latest = await self._latest(timer, bus, in_step)
        except UnknownHere as exc:
            # A newer Greenlight moved the release on: this version cannot tell whether it is past the step. A newer
            # replica's watcher judges it.
            log.warning("deadline timer of a release left to a newer Greenlight; ignored", release=timer.release_id,
                        unknown=exc.why)
            return
        if latest.state not in in_step:
            return  # the step finished in time
        timer_queue = (DELIVERED_HEADERS.get() or {}).get("x-first-death-queue")
        deadline = deadline_of_queue(bus.settings, step, timer_queue) or self.deadlines.of(step)
        reason = (f"{step} did not finish within its deadline of {_human(deadline.total_seconds())} "
                  f"(GREENLIGHT_DEADLINE_{step.upper()}); the release was still {latest.state.value}")
        log.warning("step past its deadline; failing the release", step=step, release=timer.release_id)
        await bus.publish(latest.next(ReleaseState.FAILED, actor=ACTOR, details={"step": step, "reason": reason},
                                      error=ReleaseError(step=step, reason=reason)))

    async def _folded(self, timer: ReleaseEvent, bus: Bus, in_step: frozenset[ReleaseState]) -> ReleaseEvent:
        """The release's latest event in the read model; if it looks unfinished, once everything the log held
        when the timer fired is folded."""
        latest = await latest_known(self.store, timer.release_id)
        if latest is None or latest.seq < timer.seq or latest.state in in_step:
            await self._caught_up(bus)
            latest = await latest_known(self.store, timer.release_id)
        if latest is None or latest.seq < timer.seq:
            raise Retry("the read model has not folded this release's step", dependency="release log")
        return latest

    async def _latest(self, timer: ReleaseEvent, bus: Bus, in_step: frozenset[ReleaseState]) -> ReleaseEvent:
        try:
            return await self._folded(timer, bus, in_step)
        except UnknownHere:
            raise
        except Exception as exc:
            # The database away, or the projection stalled. Retried past the budget, or redelivered past the limit,
            # the timer was given up from its own event: a release that had finished the step (even gone live)
            # failed on the seq of its next step. The log itself needs no database.
            log.warning("the read model cannot tell where the release is; reading the release log",
                        error=str(exc).splitlines()[0][:200] if str(exc) else repr(exc))
            return await latest_logged(bus, timer)

    async def _caught_up(self, bus: Bus) -> None:
        """Until the read model folded everything the log held once this timer fired (a marker published now)."""
        async with asyncio.timeout(CATCH_UP):
            mark = await log_end_now(bus, self.store)
            while True:
                version = self.store.version
                end = await mark.in_database(self.store, bus.settings.log_stream)
                if end is not None and await self.store.last_offset() >= end:
                    return
                if self.store.hurry is not None:  # this process projects: fold what it holds now
                    self.store.hurry()
                await self.store.changed(version, POLL)

def deadline_subscription(store: ReleaseDatabase, deadlines: DeadlineSettings, queue: str | None = None,
                          ) -> Subscription:
    return Subscription("deadlines", (), DeadlineWatch(store, deadlines), queue=queue, skip_ended=False,
                        extra_routing_keys=[DEADLINE_KEY.format(step=step) for step in STEP_DEADLINES])


def _human(seconds: float) -> str:
    if seconds >= 60 and seconds % 60 == 0:
        return f"{seconds / 60:.0f} min"
    return f"{seconds:g} s"
