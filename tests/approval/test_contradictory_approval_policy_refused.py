"""An approval block whose timers contradict each other fails the release with a field error, as any bad block
does. Before, `soak_seconds: 3600, expiry_seconds: 1800` was accepted: every approval was refused as soaking
until the release expired, so no release of the app could ever be approved; an `auto_promotion_seconds` not
below `expiry_seconds` never promoted (the expiry rejected first, or the two timers raced). No infrastructure."""

from __future__ import annotations

import pytest

from services.shared.appspec import AppSpec, AppSpecError, parse_app_spec


@pytest.mark.parametrize(("block", "error"), [
    ("{soak_seconds: 3600, expiry_seconds: 1800}",
     r"approval\.expiry_seconds: Value error, must be more than soak_seconds \(3600\)"),
    ("{soak_seconds: 600, expiry_seconds: 600}",
     r"approval\.expiry_seconds: Value error, must be more than soak_seconds \(600\)"),
    ("{expiry_seconds: 600, auto_promotion_seconds: 600}",
     r"approval\.auto_promotion_seconds: Value error, must be less than expiry_seconds \(600\)"),
    ("{expiry_seconds: 60, auto_promotion_seconds: 7200}",
     r"approval\.auto_promotion_seconds: Value error, must be less than expiry_seconds \(60\)"),
])
def test_timers_that_contradict_each_other_are_refused_naming_the_field(block: str, error: str) -> None:
    with pytest.raises(AppSpecError, match=error):
        parse_app_spec(f"approval: {block}\n")


def test_timers_that_agree_are_accepted() -> None:
    spec = parse_app_spec("approval: {soak_seconds: 600, expiry_seconds: 601, auto_promotion_seconds: 600}\n")
    assert spec.approval is not None and spec.approval.expiry_seconds == 601
    # An auto-promotion earlier than the soak is still the soak's end (policy_of), not an error.
    assert parse_app_spec("approval: {soak_seconds: 120, auto_promotion_seconds: 30}\n").approval is not None
    assert parse_app_spec("approval: {soak_seconds: 120}\n").approval is not None


def test_a_release_logged_before_the_rule_is_still_read_back() -> None:
    # Only a repository's greenlight.yaml is checked: an event already in the log must still parse.
    logged = AppSpec.model_validate({"approval": {"soak_seconds": 3600, "expiry_seconds": 1800}})
    assert logged.approval is not None and logged.approval.expiry_seconds == 1800
