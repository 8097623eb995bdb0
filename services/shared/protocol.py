"""The release state machine: every legal transition lives in the one table below."""

from __future__ import annotations

from services.shared.release_states import HEARD_OF, WORK_QUEUES, ReleaseState, routing_key

__all__ = ["BEFORE_APPROVAL", "HEARD_OF", "IN_FLIGHT", "SHOWN_AT_ONCE", "TERMINAL", "TRANSITIONS", "WORK_QUEUES",
           "IllegalTransition", "ReleaseState", "can_reach", "can_transition", "check_transition", "routing_key"]

S = ReleaseState

# THE table. A state missing from the keys is terminal.
TRANSITIONS: dict[ReleaseState, frozenset[ReleaseState]] = {
    S.REQUESTED: frozenset({S.BUILDING, S.FAILED}),
    S.BUILDING: frozenset({S.BUILT, S.FAILED}),
    S.BUILT: frozenset({S.PUSHING, S.FAILED}),
    S.PUSHING: frozenset({S.PUSHED, S.FAILED}),
    S.PUSHED: frozenset({S.DEPLOYING, S.FAILED}),
    S.DEPLOYING: frozenset({S.AWAITING_APPROVAL, S.FAILED, S.ANALYSING}),
    S.ANALYSING: frozenset({S.ANALYSING, S.AWAITING_APPROVAL, S.FAILED}),
    S.AWAITING_APPROVAL: frozenset({S.APPROVED, S.REJECTED, S.FAILED}),
    S.APPROVED: frozenset({S.SWITCHING, S.FAILED}),
    S.SWITCHING: frozenset({S.LIVE, S.FAILED, S.VERIFYING}),
    # A failed post-promotion check rolls back at once; the old colour is still warm.
    S.VERIFYING: frozenset({S.VERIFYING, S.LIVE, S.ROLLING_BACK}),
    S.LIVE: frozenset({S.SUPERSEDED, S.ROLLING_BACK}),
    # A refused rollback leaves the release live; the refusal reason travels in the event.
    S.ROLLING_BACK: frozenset({S.ROLLED_BACK, S.LIVE}),
    # Rolling back the newer release puts this one live again.
    S.SUPERSEDED: frozenset({S.LIVE}),
}

TERMINAL: frozenset[ReleaseState] = frozenset(s for s in ReleaseState if s not in TRANSITIONS)


def _on_the_way_live() -> frozenset[ReleaseState]:
    """Every state a release passes through from `requested` until it is first live or ends."""
    seen: set[ReleaseState] = set()
    todo = [S.REQUESTED]
    while todo:
        state = todo.pop()
        # A rollback (from live, or from verifying when a check failed) does not hold the app, as before.
        if state in seen or state in (S.LIVE, S.ROLLING_BACK) or state in TERMINAL:
            continue
        seen.add(state)
        todo.extend(TRANSITIONS[state])
    return frozenset(seen)


# States in which a release holds its app: no second release of that app may start. Derived from THE
# table, so a step added to it holds the app too.
IN_FLIGHT: frozenset[ReleaseState] = _on_the_way_live()
# States the read model shows the moment the log does: what people hear of (SSE streams, decisions at the gate)
# and every state out of flight (the app's next release, a rollback). The projector folds them as they arrive,
# where it lingers for more of the intermediate steps (services/shared/db/pending_deliveries.py): an API replica
# that does not project could not hurry it.
SHOWN_AT_ONCE: frozenset[ReleaseState] = frozenset({*HEARD_OF, *(s for s in S if s not in IN_FLIGHT)})


def _before(gate: ReleaseState) -> frozenset[ReleaseState]:
    """Every state from which a release can still reach `gate` without passing it."""
    before: set[ReleaseState] = set()
    grew = True
    while grew:
        grew = False
        for state, targets in TRANSITIONS.items():
            if state != gate and state not in before and (gate in targets or targets & before):
                before.add(state)
                grew = True
    return frozenset(before)


# A release in one of these may yet await approval: a decision on it is early, not refused at once.
BEFORE_APPROVAL: frozenset[ReleaseState] = _before(S.AWAITING_APPROVAL)


class IllegalTransition(ValueError):
    def __init__(self, current: ReleaseState, target: ReleaseState) -> None:
        allowed = ", ".join(sorted(TRANSITIONS.get(current, frozenset()))) or "none (terminal)"
        super().__init__(f"illegal transition {current} -> {target}; allowed from {current}: {allowed}")
        self.current = current
        self.target = target


def can_transition(current: ReleaseState, target: ReleaseState) -> bool:
    return target in TRANSITIONS.get(current, frozenset())


def can_reach(current: ReleaseState, target: ReleaseState, steps: int) -> bool:
    """Whether `target` can follow `current` after exactly `steps` transitions (each one event, seq + 1): a reader
    that has not seen the events between still checks the one it has against the table. The states reachable in n
    steps repeat with a period (the self-loops of analysing and verifying), so a long gap skips whole periods."""
    if steps == 1:  # the fold's usual case, every event of every release
        return can_transition(current, target)
    states, step, seen = frozenset({current}), 0, dict[frozenset[ReleaseState], int]()
    while step < steps:
        if states in seen:
            period = step - seen.pop(states)
            step += (steps - step) // period * period
            seen.clear()
            continue
        seen[states] = step
        states = frozenset(after for state in states for after in TRANSITIONS.get(state, ()))
        step += 1
    return target in states


def check_transition(current: ReleaseState, target: ReleaseState) -> None:
    if not can_transition(current, target):
        raise IllegalTransition(current, target)
