"""The deadline watcher: a step's timer came back (services/shared/deadlines.py); fail the release if it is
still in that step. Runs in the approval service, which folds the release log anyway."""

from __future__ import annotations

import structlog

from services.shared.bus import Bus
from services.shared.consumer import Retry, Subscription
from services.shared.db.releases import ReleaseDatabase
from services.shared.deadlines import DEADLINE_KEY, STEP_DEADLINES, STEP_STARTED_BY, DeadlineSettings
from services.shared.events import ReleaseEvent
from services.shared.protocol import ReleaseState
from services.shared.release import ReleaseError

log = structlog.get_logger(__name__)
ACTOR = "deadline"


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
        latest = await self.store.latest(timer.release_id)
        if latest is None or latest.seq < timer.seq:
            raise Retry("the release log has not caught up with this release yet", dependency="release log")
        if latest.state not in STEP_DEADLINES[step][1]:
            return  # the step finished in time
        deadline = self.deadlines.of(step)
        reason = (f"{step} did not finish within its deadline of {_human(deadline.total_seconds())} "
                  f"(GREENLIGHT_DEADLINE_{step.upper()}); the release was still {latest.state.value}")
        log.warning("step past its deadline; failing the release", step=step, release=timer.release_id)
        await bus.publish(latest.next(ReleaseState.FAILED, actor=ACTOR, details={"step": step, "reason": reason},
                                      error=ReleaseError(step=step, reason=reason)))


def deadline_subscription(store: ReleaseDatabase, deadlines: DeadlineSettings, queue: str | None = None,
                          ) -> Subscription:
    return Subscription("deadlines", (), DeadlineWatch(store, deadlines), queue=queue, skip_ended=False,
                        extra_routing_keys=[DEADLINE_KEY.format(step=step) for step in STEP_DEADLINES])


def _human(seconds: float) -> str:
    if seconds >= 60 and seconds % 60 == 0:
        return f"{seconds / 60:.0f} min"
    return f"{seconds:g} s"
