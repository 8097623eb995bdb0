"""Where the operator's bounds and an app's greenlight.yaml meet, the release can still be approved.

greenlight.yaml's `expiry_seconds` must be after its `soak_seconds`, and the operator's minimum soak before its
default and maximum expiry (both checked), but not the one against the other: an app asking a soak of 2 h where the
operator's default expiry is 1 h, or an app expiring after 1 h where the operator's minimum soak is 2 h, got a
policy whose soak ends after its expiry. Every approval was 409, "soaking" until the expiry, "expired" after it, and
the policy rejected each release unapprovable. Now the expiry is counted from the end of the soak there, saying so.
"""

from __future__ import annotations

import pytest

from services.approval.errors import Conflict
from services.approval.policy import PolicyBounds, policy_of
from services.approval.quorum import check_expiry, check_soak
from services.shared.appspec import parse_app_spec
from services.shared.events import first_event
from tests.approval.conftest import TO_APPROVAL
from tests.harness import make_release

CASES = {
    "the app's soak past the default expiry": ("approval: {soak_seconds: 7200}\n",
                                               {"default_expiry_seconds": 3600}),
    "the minimum soak past the app's expiry": ("approval: {expiry_seconds: 3600}\n", {"min_soak_seconds": 7200}),
    "the maximum expiry before the app's soak": ("approval: {soak_seconds: 7200, expiry_seconds: 10000}\n",
                                                 {"max_expiry_seconds": 3600}),
}


@pytest.mark.parametrize(("yaml", "bounds"), CASES.values(), ids=CASES.keys())
def test_a_release_can_be_approved_once_its_soak_ends(yaml: str, bounds: dict[str, int]) -> None:
    release = make_release(spec=parse_app_spec(yaml))
    waiting = first_event(release, actor="test")
    for state in TO_APPROVAL:
        waiting = waiting.next(state, actor="test")
    policy = policy_of(waiting.release, PolicyBounds(**bounds))  # type: ignore[arg-type]
    opens = policy.soak_ends(waiting.occurred_at)
    check_soak(policy, waiting, opens)
    try:
        check_expiry(policy, waiting, opens)
    except Conflict as refused:
        pytest.fail(f"no approval is possible: soak {policy.soak}, expiry {policy.expiry}: {refused.message}")
    assert policy.expiry is not None and policy.expiry > policy.soak
    assert any("soak" in note and "expiry" in note for note in policy.notes), policy.notes
