"""WORK_QUEUES and IN_FLIGHT agree with the one transition table."""

from __future__ import annotations

from services.shared.protocol import IN_FLIGHT, TERMINAL, TRANSITIONS, WORK_QUEUES, ReleaseState

S = ReleaseState
# Checks in progress: a step publishes it instead of its outcome, and the analysis service acts on it, one
# measurement (a repeat of the state) at a time.
CHECKING = frozenset({S.ANALYSING, S.VERIFYING})
# A step in progress: a service publishes it when it starts acting on the state before it.
WORKING = frozenset(s for s in ReleaseState if s.value.endswith("ing")) - CHECKING


# Queues whose service only observes (it publishes no release event), so binding a state there acts on nothing.
OBSERVERS = frozenset({"notifier"})


def test_every_step_start_is_bound_to_exactly_one_service() -> None:
    bound = [state for service, states in WORK_QUEUES.items() if service not in OBSERVERS for state in states]
    steps = [state for state in bound if state not in TERMINAL]
    assert len(steps) == len(set(steps)), "a step's state bound by two services would be acted on twice"
    # The states a step starts from, per the table; a rollback is asked for by a person, done by a service.
    # The approval service acts on `awaiting_approval` for the approval policy (expiry, auto-promotion).
    starts = ({state for state, after in TRANSITIONS.items() if after & WORKING} | {S.ROLLING_BACK, S.AWAITING_APPROVAL}
              | CHECKING)
    assert starts == {S.REQUESTED, S.BUILT, S.PUSHED, S.APPROVED, S.ROLLING_BACK, S.AWAITING_APPROVAL, S.ANALYSING,
                      S.VERIFYING}
    assert set(WORK_QUEUES["analysis"]) == CHECKING
    for state in CHECKING:
        assert state in TRANSITIONS[state], "each measurement is one more event in the same state"
    assert {state for state in bound if state not in TERMINAL} == starts
    # The terminal ones bound are clean-up, each service its own: the deployer frees a refused release's standby,
    # the switcher takes live traffic back from a failed release that serves it.
    assert {state for state in bound if state in TERMINAL} == {S.REJECTED, S.FAILED}
    assert [service for service, states in WORK_QUEUES.items() if S.FAILED in states and service not in OBSERVERS
            ] == ["deployer", "switcher"]


def test_in_flight_is_every_state_between_requested_and_first_live() -> None:
    assert IN_FLIGHT == {S.REQUESTED, S.BUILDING, S.BUILT, S.PUSHING, S.PUSHED, S.DEPLOYING, S.ANALYSING,
                         S.AWAITING_APPROVAL, S.APPROVED, S.SWITCHING, S.VERIFYING}
    # Verifying serves traffic: it ends live or rolled back, never failed (which would leave live unowned).
    assert S.ROLLING_BACK in TRANSITIONS[S.VERIFYING] and S.FAILED not in TRANSITIONS[S.VERIFYING]
    for state in IN_FLIGHT - {S.VERIFYING}:
        # Each can still fail, so an in-flight release can always free its app.
        assert S.FAILED in TRANSITIONS[state] or (state is S.AWAITING_APPROVAL and S.REJECTED in TRANSITIONS[state])
