"""A decision the approval policy makes on a release awaiting approval (policy_watch.py): an expiry's rejection, an
auto-promotion, a rollback approved by its request. Recorded in the database before it is published, so a person's
decision and the policy's, or two replicas', cannot both be made."""

from __future__ import annotations

from typing import Any

import structlog

from services.approval.errors import Conflict
from services.approval.handlers import ReleaseDesk
from services.approval.policy import policy_of
from services.approval.quorum import policy_record
from services.shared.db.fold import SameChange
from services.shared.events import ReleaseEvent
from services.shared.protocol import ReleaseState

log = structlog.get_logger(__name__)


async def decide(desk: ReleaseDesk, waiting: ReleaseEvent, decision: ReleaseState, actor: str,
                 details: dict[str, Any]) -> bool:
    """Whether this call made the decision (False: someone, or a twin timer, decided first)."""
    details = {**details, "policy": policy_record(policy_of(waiting.release, desk.settings.policy))}
    event = waiting.next(decision, actor=actor, details=details, approver=actor, comment=details["comment"])
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
