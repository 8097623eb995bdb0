"""A release's recorded decision, read back from its event: which, who made it, and whose approvals it counted.

Who is compared by name and by caller key (`Identity.key`), as four eyes and the approval count compare: a token
renamed between a request and its retry (the same secret) is still the person who decided, and was answered 409
"already approved by alice" when only names were recorded.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from services.approval.approvals import Given
from services.approval.auth import Identity
from services.shared.db.release_reads import StoredEvent
from services.shared.events import ReleaseEvent
from services.shared.protocol import ReleaseState
from services.shared.release import Release

DECISIONS = (ReleaseState.APPROVED, ReleaseState.REJECTED)
DECIDER_KEY = "decider_key"  # the decision's details: the caller key of who made it
APPROVALS, APPROVAL_KEYS = "approvals", "approval_keys"  # of a count's decision: whose approvals it counted


def decision_details(details: dict[str, object], caller: Identity, given: Sequence[Given] | None) -> None:
    """Adds to a decision's details who made it, and the approvals it counted, by name and key."""
    if caller.key is not None:
        details[DECIDER_KEY] = caller.key
    if given is not None:
        details[APPROVALS] = [g.by for g in given]
        details[APPROVAL_KEYS] = [g.key for g in given if g.key is not None]


@dataclass(frozen=True)
class Decided:
    release: Release  # as the decision left it, or as it is now when no decision was published
    # The events its approval status is made of, when this call published the decision: no read needed.
    gate: tuple[ReleaseEvent, ...] | None = None


class Made(NamedTuple):
    """A release's recorded decision: which, who made it, and whose approvals it counted (those that completed a
    count; none for one person's decision or the policy's)."""

    decision: ReleaseState
    by: str
    counted: tuple[str, ...]
    key: str | None = None  # the decider's caller key; None for the policy, a hook, a decision from before keys
    counted_keys: tuple[str, ...] = ()

    def theirs(self, decision: ReleaseState, caller: Identity) -> bool:
        """Whether `caller` made this decision, or (an approval) gave one the decision counted."""
        if self.decision is not decision:
            return False
        mine = caller.key is not None and caller.key == self.key
        counted = decision is ReleaseState.APPROVED and (
            caller.name in self.counted or (caller.key is not None and caller.key in self.counted_keys))
        return self.by == caller.name or mine or counted


def decision_made(history: Iterable[StoredEvent]) -> Made | None:
    """The decision a release's history holds (the folded one: a conflicting twin is no decision). Whose approvals
    it counted is its own record: the ledger also holds an approval the policy's auto-promotion overtook while it
    was counted, which was answered 200 as if it had made the decision."""
    for stored in history:
        if stored.event.state in DECISIONS and stored.note is None:
            details = stored.event.details
            key = details.get(DECIDER_KEY)
            return Made(stored.event.state, stored.event.actor, _strings(details.get(APPROVALS)),
                        key if isinstance(key, str) else None, _strings(details.get(APPROVAL_KEYS)))
    return None


def _strings(value: object) -> tuple[str, ...]:
    return tuple(v for v in value if isinstance(v, str)) if isinstance(value, list) else ()
