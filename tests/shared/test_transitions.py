"""Every pair of states is either in the one transition table or refused with an error."""

from __future__ import annotations

import itertools

import pytest

from services.shared.events import first_event
from services.shared.protocol import (
    IN_FLIGHT,
    TERMINAL,
    TRANSITIONS,
    IllegalTransition,
    ReleaseState,
    can_transition,
    check_transition,
)
from tests.harness import make_release

S = ReleaseState
HAPPY_PATH = [S.REQUESTED, S.BUILDING, S.BUILT, S.PUSHING, S.PUSHED, S.DEPLOYING, S.AWAITING_APPROVAL,
              S.APPROVED, S.SWITCHING, S.LIVE]
PAIRS = list(itertools.product(ReleaseState, ReleaseState))


@pytest.mark.parametrize(("current", "target"), PAIRS, ids=[f"{a}->{b}" for a, b in PAIRS])
def test_each_pair_is_allowed_exactly_when_the_table_says(current: S, target: S) -> None:
    legal = target in TRANSITIONS.get(current, frozenset())
    assert can_transition(current, target) is legal
    if legal:
        check_transition(current, target)
    else:
        with pytest.raises(IllegalTransition, match=f"{current} -> {target}"):
            check_transition(current, target)


def test_happy_path_is_legal_step_by_step() -> None:
    event = first_event(make_release(), actor="ann")
    for state in HAPPY_PATH[1:]:
        event = event.next(state, actor="test")
    assert event.state == S.LIVE and event.seq == len(HAPPY_PATH) and event.release.seq == event.seq


def test_every_in_flight_state_can_fail_and_terminals_go_nowhere() -> None:
    for state in IN_FLIGHT - {S.VERIFYING}:
        assert can_transition(state, S.FAILED)
    # Verifying serves traffic: it ends live, or rolled back when a post-promotion check fails.
    assert can_transition(S.VERIFYING, S.ROLLING_BACK) and not can_transition(S.VERIFYING, S.FAILED)
    assert {S.FAILED, S.REJECTED, S.ROLLED_BACK} == TERMINAL
    for state in TERMINAL:
        assert not any(can_transition(state, target) for target in ReleaseState)


def test_illegal_next_event_is_refused_not_applied() -> None:
    event = first_event(make_release(), actor="ann")
    with pytest.raises(IllegalTransition):
        event.next(S.LIVE, actor="sneaky")
    assert event.state == S.REQUESTED


def test_every_state_is_reachable_from_requested() -> None:
    reached, frontier = {S.REQUESTED}, [S.REQUESTED]
    while frontier:
        for target in TRANSITIONS.get(frontier.pop(), frozenset()):
            if target not in reached:
                reached.add(target)
                frontier.append(target)
    assert reached == set(ReleaseState)
