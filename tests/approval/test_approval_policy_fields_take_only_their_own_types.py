"""greenlight.yaml's `approval:` numbers are YAML numbers and its switch a YAML boolean. Was: pydantic's lax mode
took `required_approvals: true` as 1 approval, `soak_seconds: true` as one second, `"600"` and `6.0e2`-style floats
as numbers and `rollback_needs_approval: "off"` or `0` as false: a typo or a quoted value met a policy nobody wrote,
where the release should fail naming the field."""

from __future__ import annotations

import pytest

from services.shared.appspec import AppSpecError, parse_app_spec

HOSTILE = ("required_approvals: true", 'required_approvals: "2"', "required_approvals: 2.0",
           "soak_seconds: true", 'soak_seconds: "600"', "soak_seconds: 600.0", 'expiry_seconds: "86400"',
           "auto_promotion_seconds: false", 'rollback_needs_approval: "off"', "rollback_needs_approval: 0",
           "required_approvals: 100000000000000000000000", "soak_seconds: -1", "expiry_seconds: .inf")


@pytest.mark.parametrize("field", HOSTILE)
def test_a_value_of_another_type_fails_naming_the_field(field: str) -> None:
    with pytest.raises(AppSpecError) as refused:
        parse_app_spec(f"approval: {{{field}}}\n")
    assert f"approval.{field.split(':')[0]}" in str(refused.value)


def test_plain_values_are_read() -> None:
    spec = parse_app_spec("approval: {required_approvals: 2, soak_seconds: 60, expiry_seconds: 3600, "
                          "auto_promotion_seconds: 120, rollback_needs_approval: true}\n")
    assert spec.approval is not None and (spec.approval.required_approvals, spec.approval.rollback_needs_approval
                                          ) == (2, True)
