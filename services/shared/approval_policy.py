"""`approval:` in greenlight.yaml: what an app asks of its approvals. The operator's settings bound it
(services/approval/policy.py); this block only says what the app's owners want.

Modelled on GitHub environments (required reviewers, `prevent_self_review`, `wait_timer`), Spinnaker's
manual judgment that expires, and Argo Rollouts' `autoPromotionSeconds`.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

DAY = 24 * 3600
# Validation context: the spec is a repository's greenlight.yaml, checked as untrusted input (appspec.py sets it;
# defined here, as appspec imports this module).
FROM_REPOSITORY = "from_repository"


class ApprovalPolicy(BaseModel):
    # Strict: a number is a YAML number, a switch a YAML boolean. Lax, `required_approvals: true` was 1 approval,
    # `soak_seconds: true` one second, `"600"` or `6.0e2` a number, and `rollback_needs_approval: "off"` or `0`
    # false: a typo or a quoted value met some policy nobody wrote. (A logged event's JSON has the same types.)
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    required_approvals: int = Field(1, ge=1, le=10, description=(
        "distinct approvers needed, none of them the requester (default 1); the operator may ask for more"))
    soak_seconds: int = Field(0, ge=0, le=30 * DAY, description=(
        "seconds after the standby is ready before anyone may approve (default 0: at once)"))
    expiry_seconds: int | None = Field(None, ge=1, le=90 * DAY, description=(
        "seconds a release may wait for approval; then it is rejected and its standby scaled down "
        "(default: the operator's GREENLIGHT_API_POLICY_DEFAULT_EXPIRY_SECONDS, none unless set)"))
    auto_promotion_seconds: int | None = Field(None, ge=0, le=30 * DAY, description=(
        "approve automatically this many seconds after the standby is ready if every check passed "
        "(Argo's autoPromotionSeconds; default: never; only if the operator allows it)"))
    rollback_needs_approval: bool = Field(False, description=(
        "a rollback to an earlier release waits for approvals like any release (default false: the "
        "rollback request, made by someone with the approver role, is its approval)"))

    # Timers that contradict each other are refused where a repository's greenlight.yaml is read, not where a
    # logged event is (a release logged before the rule is still read back). Fields are validated in order: each
    # rule is on the later field, so the error names it.
    @field_validator("expiry_seconds")
    @classmethod
    def _expires_after_the_soak(cls, value: int | None, info: ValidationInfo) -> int | None:
        soak = info.data.get("soak_seconds")
        if (info.context or {}).get(FROM_REPOSITORY) and value is not None and soak is not None and value <= soak:
            # No approval before the soak ends, none after the expiry: no release could ever be approved.
            raise ValueError(f"must be more than soak_seconds ({soak}): a release could never be approved")
        return value

    @field_validator("auto_promotion_seconds")
    @classmethod
    def _promotes_before_the_expiry(cls, value: int | None, info: ValidationInfo) -> int | None:
        expiry = info.data.get("expiry_seconds")
        if (info.context or {}).get(FROM_REPOSITORY) and value is not None and expiry is not None and value >= expiry:
            # The expiry would reject the release first (or race the promotion at the same second).
            raise ValueError(f"must be less than expiry_seconds ({expiry}): the release would expire first")
        return value
