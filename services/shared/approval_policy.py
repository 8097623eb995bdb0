"""`approval:` in greenlight.yaml: what an app asks of its approvals. The operator's settings bound it
(services/approval/policy.py); this block only says what the app's owners want.

Modelled on GitHub environments (required reviewers, `prevent_self_review`, `wait_timer`), Spinnaker's
manual judgment that expires, and Argo Rollouts' `autoPromotionSeconds`.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

DAY = 24 * 3600


class ApprovalPolicy(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

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
