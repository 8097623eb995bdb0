"""The approval policy in force for a release: what its greenlight.yaml asks (`approval:`), bounded by the
operator (`GREENLIGHT_API_POLICY_*`). The app may ask for more than the operator's floor, never for less:
more approvers than the minimum, a soak at least the minimum, an expiry at most the maximum; auto-promotion
only where the operator allows it. Every bound that changed what the app asked is named in `notes`.

No self-approval (handlers.py, four_eyes.py) refuses the requester (by name or caller key) and, for a release a git
hook started, whoever pushed: GitHub Environments' "prevent self-review", GitLab's "prevent approval by author"."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal, get_args

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from services.shared.approval_policy import ApprovalPolicy
from services.shared.release import Release
from services.shared.settings import StartupError

PREFIX = "GREENLIGHT_API_POLICY_"
PUSHED_BY = "pushed_by"  # the `requested` event's details of a release a git hook started: who pushed (push_desk.py)
GitHost = Literal["github", "gitlab", "generic"]  # the git hooks (hooks.py)
HOOK_SOURCES: tuple[GitHost, ...] = get_args(GitHost)
# The longest soak or expiry bound: ten years (leave an expiry unset for "never"). Past some thousands of years no
# date lies at its end, and every release's due time would raise OverflowError (each approval a 500).
MAX_BOUND_SECONDS = 10 * 365 * 24 * 3600


def hook_requester(source: GitHost) -> str:
    """Who a release the `source` git hook started is requested by."""
    return f"{source}-webhook"


class PolicyBounds(BaseSettings):
    """`GREENLIGHT_API_POLICY_*`: the operator's bounds on every app's approval policy."""

    model_config = SettingsConfigDict(env_prefix=PREFIX, extra="ignore")

    min_approvals: int = Field(1, ge=1, le=10, description="approvals every release needs at least (default 1)")
    min_soak_seconds: int = Field(0, ge=0, le=MAX_BOUND_SECONDS, description=(
        "soak every release waits at least (default 0; at most ten years)"))
    default_expiry_seconds: int | None = Field(None, ge=1, le=MAX_BOUND_SECONDS, description=(
        "expiry of an app that names none (default none: a release may wait for approval for ever; at most ten "
        "years)"))
    max_expiry_seconds: int | None = Field(None, ge=1, le=MAX_BOUND_SECONDS, description=(
        "longest expiry an app may ask for, and the expiry of one that asks for none when no default is set "
        "(default none: unbounded; at most ten years)"))
    allow_auto_promotion: bool = Field(False, description=(
        "whether an app's `auto_promotion_seconds` is honoured (default false: a person always approves)"))
    rollbacks_need_approval: bool = Field(False, description=(
        "every rollback to an earlier release waits for approvals like any release, whatever its app asks "
        "(default false: the request, made by an approver, is its approval unless the app says otherwise)"))

    @model_validator(mode="after")
    def _bounds_agree(self) -> PolicyBounds:
        """Bounds that contradict each other stop the start: every release would get a policy nobody can meet."""
        soak = self.min_soak_seconds
        for name, expiry in (("DEFAULT", self.default_expiry_seconds), ("MAX", self.max_expiry_seconds)):
            if expiry is not None and soak >= expiry:
                raise ValueError(f"{PREFIX}MIN_SOAK_SECONDS ({soak}) is not below {PREFIX}{name}_EXPIRY_SECONDS "
                                 f"({expiry}): no release could be approved before it expired")
        return self


def check_approvers_suffice(bounds: PolicyBounds, approvers: frozenset[str]) -> None:
    """StartupError when the operator's minimum asks for more distinct approvers than there are names that may
    approve (`approvers`): every release would wait until it expired. A minimum of one with nobody configured is
    left to the warning that no token is (every route answers 401)."""
    if bounds.min_approvals > max(len(approvers), 1):
        names = ", ".join(sorted(approvers)) or "none"
        raise StartupError(f"{PREFIX}MIN_APPROVALS ({bounds.min_approvals}) is more than the people who may approve "
                           f"({len(approvers)}: {names}; the approver or admin role in the API tokens and the Slack "
                           "users): no release could be approved")


@dataclass(frozen=True)
class Policy:
    required_approvals: int = 1
    soak: timedelta = timedelta(0)
    expiry: timedelta | None = None
    auto_promotion: timedelta | None = None
    rollback_needs_approval: bool = False
    notes: tuple[str, ...] = field(default=())

    def soak_ends(self, ready_at: datetime) -> datetime:
        return ready_at + self.soak

    def expires(self, ready_at: datetime) -> datetime | None:
        return None if self.expiry is None else ready_at + self.expiry

    def promotes(self, ready_at: datetime) -> datetime | None:
        return None if self.auto_promotion is None else ready_at + self.auto_promotion


def policy_of(release: Release, bounds: PolicyBounds) -> Policy:
    asked = (release.spec.approval if release.spec is not None else None) or ApprovalPolicy()
    notes: list[str] = []
    approvals = max(asked.required_approvals, bounds.min_approvals)
    if approvals != asked.required_approvals:
        notes.append(f"required_approvals raised to {approvals} (GREENLIGHT_API_POLICY_MIN_APPROVALS)")
    soak = max(asked.soak_seconds, bounds.min_soak_seconds)
    if soak != asked.soak_seconds:
        notes.append(f"soak_seconds raised to {soak} (GREENLIGHT_API_POLICY_MIN_SOAK_SECONDS)")
    expiry = asked.expiry_seconds or bounds.default_expiry_seconds or bounds.max_expiry_seconds
    if expiry is not None and bounds.max_expiry_seconds is not None and expiry > bounds.max_expiry_seconds:
        if asked.expiry_seconds is not None:  # else the operator's default was above its own maximum: no app's doing
            notes.append(f"expiry_seconds lowered to {bounds.max_expiry_seconds} "
                         "(GREENLIGHT_API_POLICY_MAX_EXPIRY_SECONDS)")
        expiry = bounds.max_expiry_seconds
    if expiry is not None and expiry <= soak:
        # Each side's numbers agree among themselves (greenlight.yaml's, the operator's), not with the other's: a soak
        # raised past the app's expiry, an app's soak past the operator's default or maximum expiry. No approval could
        # ever be given (soaking until it expired), so the expiry counts from the end of the soak.
        notes.append(f"expiry_seconds counted from the end of the soak: {soak + expiry} (it was {expiry}, not after "
                     f"soak_seconds {soak})")
        expiry += soak
    promotion = asked.auto_promotion_seconds
    if promotion is not None and not bounds.allow_auto_promotion:
        notes.append("auto_promotion_seconds ignored (GREENLIGHT_API_POLICY_ALLOW_AUTO_PROMOTION is false)")
        promotion = None
    if promotion is not None and promotion < soak:
        promotion = soak  # never earlier than a person could approve
    return Policy(required_approvals=approvals, soak=timedelta(seconds=soak),
                  expiry=None if expiry is None else timedelta(seconds=expiry),
                  auto_promotion=None if promotion is None else timedelta(seconds=promotion),
                  rollback_needs_approval=asked.rollback_needs_approval or bounds.rollbacks_need_approval,
                  notes=tuple(notes))


def analysis_passed(details: dict[str, object]) -> bool:
    """Whether the checks run before approval passed, from the `awaiting_approval` event's details.

    The hook for the analysis checks (issue 18, the `gates` work, services/analysis/): the analysis service
    publishes `awaiting_approval` with `details["analysis"] = {"verdict": "successful" | "inconclusive", ...}`
    (a failed one ends in `failed` instead); no `analysis` key means the app has no checks, which counts as
    passed. Auto-promotion, and a rollback's approval by its request, happen only when this is true: an
    inconclusive analysis is left to a person."""
    analysis = details.get("analysis")
    if analysis is None:
        return True
    return isinstance(analysis, dict) and analysis.get("verdict") == "successful"
