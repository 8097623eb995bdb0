"""How a release stands against its approval policy, as the API, the dashboard and the CLI show it."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class ApprovalGiven(BaseModel):
    by: str
    at: datetime
    comment: str | None = None


class ApprovalStatus(BaseModel):
    required: int = Field(description="distinct approvers the release needs, none of them its requester")
    given: list[ApprovalGiven] = Field(description="approvals given so far, oldest first")
    soak_ends_at: datetime = Field(description="no approval before this time (the policy's soak)")
    expires_at: datetime | None = Field(description="rejected automatically at this time if still waiting")
    auto_promote_at: datetime | None = Field(description="approved automatically at this time if every check "
                                                         "passed and it is still waiting")
    notes: list[str] = Field(description="where the operator's bounds changed what greenlight.yaml asked")
