"""A decision the approval policy makes on a release awaiting approval (policy_watch.py, policy_rearm.py): an expiry's
rejection, an auto-promotion, a rollback approved by its request, approvals that meet a count lowered since.
Recorded in the database before it is published, so a person's decision and the policy's, or two replicas', cannot
both be made."""

from __future__ import annotations

from typing import Any

import structlog

from services.approval.decision_made import APPROVAL_KEYS, APPROVALS
from services.approval.errors import Conflict
from services.approval.four_eyes import requester_of
from services.approval.handlers import ReleaseDesk
from services.approval.policy import policy_of
from services.approval.quorum import policy_record
from services.shared.db.fold import SameChange
from services.shared.events import ReleaseEvent
from services.shared.protocol import ReleaseState

log = structlog.get_logger(__name__)
ACTOR = "policy"


async def decide(desk: ReleaseDesk, waiting: ReleaseEvent, decision: ReleaseState, actor: str,
                 details: dict[str, Any], **changes: Any) -> bool:
    """Whether this call made the decision (False: someone, or a twin timer, decided first)."""
    details = {**details, "policy": policy_record(policy_of(waiting.release, desk.settings.policy))}
    event = waiting.next(decision, actor=actor, details=details, approver=actor, comment=details["comment"],
                         **changes)
    try:
        await desk.publish(event)
    except (Conflict, SameChange):
        log.info("decided meanwhile; the policy leaves it", release=waiting.release_id)
        return False
    log.info("policy decision", release=waiting.release_id, decision=decision.value, actor=actor)
    # A decision like a person's: the longest waits (expired) belong in the histogram most of all.
    waited = (event.occurred_at - waiting.occurred_at).total_seconds()
    desk.approval_wait.labels(decision.value).observe(max(waited, 0.0))
    return True


async def approve_if_counted(desk: ReleaseDesk, waiting: ReleaseEvent) -> bool:
    """Approve a release whose approvals meet the count of the policy in force, which only an approval completes:
    the operator lowered GREENLIGHT_API_POLICY_MIN_APPROVALS (a restart) while it waited, 2 of 3 given, and it showed
    2 of 2 and waited until it expired. Only where a person's approval would be taken now: soaked, not expired."""
    policy = policy_of(waiting.release, desk.settings.policy)
    now, expires = desk.clock.now(), policy.expires(waiting.occurred_at)
    if (policy.soak and now < policy.soak_ends(waiting.occurred_at)) or (expires is not None and now >= expires):
        return False
    given = await desk.approvals.given(waiting.release_id)
    if not given or len(given) < policy.required_approvals:
        return False
    names = [g.by for g in given]
    # The requester's own approval got into the ledger only by an admin override: the decision says so, as a
    # person's completing it does (decisions.py).
    override = (await requester_of(desk.store, waiting.release)).among(given)
    return await decide(desk, waiting, ReleaseState.APPROVED, ACTOR, {
        "comment": f"{len(given)} of {policy.required_approvals} approvals given: {', '.join(names)} (approval policy)",
        "admin_override": override, APPROVALS: names, APPROVAL_KEYS: [g.key for g in given if g.key is not None]},
        admin_override=override)
