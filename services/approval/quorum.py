"""Applying the approval policy to a person's approval: the soak, and N distinct approvers.

A release that needs one approval is approved by the first approval, as before. One that needs N records each
approval in the database first (`Approvals`, keyed by release and approver, so a repeat counts once on any
replica), and the approval that completes the count publishes `approved` with every approver in its details.
Two replicas completing the count at once both try to record that event; the (release, seq) uniqueness lets
exactly one through, and the other answers with the release as it then is (its approval was counted).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime, timedelta

from services.approval.approvals import Approvals, Given
from services.approval.decision_made import APPROVALS
from services.approval.errors import Conflict
from services.approval.policy import Policy, PolicyBounds, policy_of
from services.approval.policy_models import ApprovalGiven, ApprovalStatus
from services.shared.bus import Bus
from services.shared.events import ReleaseEvent
from services.shared.progress import Progress
from services.shared.protocol import ReleaseState


def policy_record(policy: Policy) -> dict[str, object]:
    """The policy a decision was made under, for its event's `details.policy`: the operator's bounds can change
    between a release's request and its decision (a restart with other GREENLIGHT_API_POLICY_*), and the log should
    say which one the approvals met, not leave it to be worked out from settings nobody logged."""
    def seconds(span: timedelta | None) -> float | None:
        return None if span is None else span.total_seconds()

    return {"required_approvals": policy.required_approvals, "soak_seconds": seconds(policy.soak),
            "expiry_seconds": seconds(policy.expiry), "auto_promotion_seconds": seconds(policy.auto_promotion),
            "rollback_needs_approval": policy.rollback_needs_approval, "notes": list(policy.notes)}


def check_soak(policy: Policy, waiting: ReleaseEvent, now: datetime) -> None:
    """No soak asked, no check: the deployer's clock that stamped `ready` may run ahead of this one."""
    opens = policy.soak_ends(waiting.occurred_at)
    if policy.soak and now < opens:
        wait = math.ceil((opens - now).total_seconds())
        raise Conflict(f"The release is soaking: approval opens at {opens.isoformat()} ({wait} s from now).",
                       state=waiting.state, opens_at=opens, headers={"Retry-After": str(wait)})


def check_expiry(policy: Policy, waiting: ReleaseEvent, now: datetime) -> None:
    """No approval once the policy's expiry has passed, though its timer has not rejected the release yet: the
    API shows `expires_at` as the time it is rejected, and the timer can be late (an expiry shortened by a
    restart whose re-arm has not run, a work queue behind, the delay rounded up to whole seconds). A rejection
    is still possible: it is what the expiry does."""
    expires = policy.expires(waiting.occurred_at)
    if expires is not None and now >= expires:
        raise Conflict(f"The release expired at {expires.isoformat()} waiting for approval; the approval policy "
                       "rejects it.", state=waiting.state)


async def count_approval(approvals: Approvals, bus: Bus, policy: Policy, waiting: ReleaseEvent, by: str,
                         comment: str | None, now: datetime, key: str | None = None) -> list[Given] | None:
    """Record `by`'s approval (and its caller `key`: one credential counts once under any name); every approval
    given once the count is reached, else None (still waiting). 409 for a release this process heard end (its
    endings queue, before the read model's fold), as for the approval completing the count: the approver was
    answered "1 of 2 given" and the ledger kept it."""
    _not_ended(bus, waiting)
    if await approvals.give(waiting.release, by, now, comment, key) and bus.ended.ending(waiting.release_id):
        await approvals.withdraw(waiting.release_id, by, now)  # it ended while this approval was recorded
        _not_ended(bus, waiting)
    given = await approvals.given(waiting.release_id)
    if len(given) >= policy.required_approvals:
        return given
    await bus.progress(Progress(
        release_id=waiting.release_id, app=waiting.app, step="approval",
        message=f"{len(given)} of {policy.required_approvals} approvals: {', '.join(g.by for g in given)}",
        current=len(given), total=policy.required_approvals))
    return None


def _not_ended(bus: Bus, waiting: ReleaseEvent) -> None:
    if (ended := bus.ended.ending(waiting.release_id)) is not None:
        raise Conflict(f"The release has {ended}: no approved can follow.", state=ReleaseState(ended))


def status_of(policy: Policy, ready_at: datetime, given: list[Given], approver: str | None,
              approved_at: datetime | None) -> ApprovalStatus:
    """`given`: the ledger's rows (releases that need several); a single approval is the release's own."""
    shown = [ApprovalGiven(by=g.by, at=g.at, comment=g.comment) for g in given]
    if not shown and approver is not None and approved_at is not None:
        shown = [ApprovalGiven(by=approver, at=approved_at)]
    return ApprovalStatus(required=policy.required_approvals, given=shown, soak_ends_at=policy.soak_ends(ready_at),
                          expires_at=policy.expires(ready_at), auto_promote_at=policy.promotes(ready_at),
                          notes=list(policy.notes))


async def approval_status(approvals: Approvals, bounds: PolicyBounds, folded: Sequence[ReleaseEvent]
                          ) -> ApprovalStatus | None:
    """How the release stands against its policy, from its folded events (at least `awaiting_approval` and any
    `approved`); None before it was first ready for approval."""
    waiting = next((e for e in folded if e.state is ReleaseState.AWAITING_APPROVAL), None)
    if waiting is None:
        return None
    approved = next((e for e in folded if e.state is ReleaseState.APPROVED), None)
    policy = policy_of(waiting.release, bounds)
    # Only a release that needs several approvals has rows in the ledger (count_approval): the rest need no read.
    # Once approved, every approval it got is shown, though an approver's token was removed since; and once approved
    # by a count (its `approvals`), though the operator lowered the minimum since: it showed the last approver alone.
    needs_several = policy.required_approvals > 1 or (approved is not None and APPROVALS in approved.details)
    given = await approvals.given(waiting.release_id, counting=approved is None) if needs_several else []
    return status_of(policy, waiting.occurred_at, given, approved.actor if approved else None,
                     approved.occurred_at if approved else None)
