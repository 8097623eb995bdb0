"""The states of a release, and where an event of each goes: its routing key, the worker queues bound to it, the
states people hear of. Which state may follow which is protocol.py's one table."""

from __future__ import annotations

from enum import StrEnum


class ReleaseState(StrEnum):
    REQUESTED = "requested"
    BUILDING = "building"
    BUILT = "built"
    PUSHING = "pushing"
    PUSHED = "pushed"
    DEPLOYING = "deploying"
    # Pre-promotion checks run against the preview; each measurement is one more `analysing` event.
    ANALYSING = "analysing"
    AWAITING_APPROVAL = "awaiting_approval"
    APPROVED = "approved"
    SWITCHING = "switching"
    # Traffic switched; post-promotion checks watch it before it counts as live (each measurement one event).
    VERIFYING = "verifying"
    LIVE = "live"
    # A newer release of the same app went live; this one's colour stays warm for rollback.
    SUPERSEDED = "superseded"
    # Someone asked to put the previous colour back; the switcher acts on it.
    ROLLING_BACK = "rolling_back"
    ROLLED_BACK = "rolled_back"
    FAILED = "failed"
    REJECTED = "rejected"


S = ReleaseState

# The states a person acts on or wants to hear of; the intermediate steps (building, pushing, ...) are left out.
HEARD_OF = (S.REQUESTED, S.AWAITING_APPROVAL, S.APPROVED, S.REJECTED, S.LIVE, S.FAILED, S.ROLLING_BACK, S.ROLLED_BACK)

# The step each worker service takes, by the states it acts on: its work queue `<queue_prefix><service>`
# is bound to these. Every service declares all of them, so no event waits on a service's first start.
WORK_QUEUES: dict[str, tuple[ReleaseState, ...]] = {
    "builder": (S.REQUESTED,),
    "pusher": (S.BUILT,),
    "deployer": (S.PUSHED, S.REJECTED, S.FAILED),  # stage; tear the standby down after a refusal
    "switcher": (S.APPROVED, S.ROLLING_BACK, S.FAILED),  # switch, roll back; put back what a failed one took
    "analysis": (S.ANALYSING, S.VERIFYING),
    # Subscriptions choose among HEARD_OF, and the queue is bound per subscription (services/shared/notified.py):
    # an event nobody subscribed to costs it no queue write.
    "notifier": HEARD_OF,
    # Issue 18: the approval policy's timers (expiry, auto-promotion) and a rollback-to-release's approval.
    "approval": (S.AWAITING_APPROVAL,),
}


def routing_key(app: str, state: ReleaseState) -> str:
    """`release.<app>.<state>`: bind `release.*.built` for a step, `release.tmapp.#` for an app."""
    return f"release.{app}.{state.value}"
