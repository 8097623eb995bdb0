"""The approval policy in force: what greenlight.yaml asks, bounded by the operator (no infrastructure)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from services.approval.policy import PolicyBounds, analysis_passed, policy_of
from services.shared.appspec import AppSpecError, parse_app_spec
from tests.harness import make_release


def policy(yaml: str, **bounds: object):  # type: ignore[no-untyped-def]
    return policy_of(make_release(spec=parse_app_spec(yaml)), PolicyBounds(**bounds))  # type: ignore[arg-type]


def test_no_approval_block_is_one_approval_at_once_for_ever() -> None:
    p = policy("port: 8080\n")
    assert (p.required_approvals, p.soak, p.expiry, p.auto_promotion, p.notes) == (1, timedelta(0), None, None, ())
    assert policy_of(make_release(), PolicyBounds()).required_approvals == 1  # no greenlight.yaml at all


def test_an_app_may_ask_for_more_than_the_operator_requires() -> None:
    p = policy("approval: {required_approvals: 3, soak_seconds: 600, expiry_seconds: 7200}\n",
               min_approvals=2, min_soak_seconds=60, max_expiry_seconds=86400)
    assert (p.required_approvals, p.soak, p.expiry) == (3, timedelta(minutes=10), timedelta(hours=2))
    assert p.notes == ()


def test_the_operator_bounds_what_an_app_asks_and_says_so() -> None:
    p = policy("approval: {required_approvals: 1, soak_seconds: 0, expiry_seconds: 999999, "
               "auto_promotion_seconds: 60}\n", min_approvals=2, min_soak_seconds=300, max_expiry_seconds=3600)
    assert (p.required_approvals, p.soak, p.expiry, p.auto_promotion) == (
        2, timedelta(minutes=5), timedelta(hours=1), None)
    assert p.notes == (
        "required_approvals raised to 2 (GREENLIGHT_API_POLICY_MIN_APPROVALS)",
        "soak_seconds raised to 300 (GREENLIGHT_API_POLICY_MIN_SOAK_SECONDS)",
        "expiry_seconds lowered to 3600 (GREENLIGHT_API_POLICY_MAX_EXPIRY_SECONDS)",
        "auto_promotion_seconds ignored (GREENLIGHT_API_POLICY_ALLOW_AUTO_PROMOTION is false)")


def test_default_and_maximum_expiry_apply_to_an_app_that_names_none() -> None:
    assert policy("approval: {}\n", default_expiry_seconds=600).expiry == timedelta(minutes=10)
    assert policy("approval: {}\n", max_expiry_seconds=900).expiry == timedelta(minutes=15)
    assert policy("approval: {}\n", default_expiry_seconds=600, max_expiry_seconds=300).expiry == timedelta(minutes=5)


def test_auto_promotion_only_where_allowed_and_never_before_the_soak_ends() -> None:
    asked = "approval: {auto_promotion_seconds: 30, soak_seconds: 120}\n"
    assert policy(asked, allow_auto_promotion=True).auto_promotion == timedelta(minutes=2)
    assert policy(asked).auto_promotion is None


def test_the_operator_may_make_every_rollback_wait_for_approvals() -> None:
    assert policy("approval: {}\n").rollback_needs_approval is False
    assert policy("approval: {rollback_needs_approval: true}\n").rollback_needs_approval is True
    assert policy("port: 8080\n", rollbacks_need_approval=True).rollback_needs_approval is True


def test_a_bad_approval_block_fails_the_release_with_field_errors() -> None:
    with pytest.raises(AppSpecError, match=r"approval.required_approvals: Input should be greater than or equal to 1"):
        parse_app_spec("approval: {required_approvals: 0}\n")
    with pytest.raises(AppSpecError, match=r"approval.reviewers: Extra inputs are not permitted"):
        parse_app_spec("approval: {reviewers: [ann]}\n")


def test_analysis_passed_reads_the_verdict_the_analysis_service_gives() -> None:
    assert analysis_passed({}) is True  # the app has no checks
    assert analysis_passed({"analysis": {"verdict": "successful", "reason": "all passed", "tally": {}}}) is True
    assert analysis_passed({"analysis": {"verdict": "inconclusive"}}) is False
    assert analysis_passed({"analysis": {"verdict": "failed"}}) is False
    assert analysis_passed({"analysis": "garbage"}) is False
