"""What a release is: the snapshot every event carries, so no service has to ask another."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from services.shared.appspec import AppSpec
from services.shared.protocol import ReleaseState
from services.shared.redact import redact_url

# DNS-1123 label: it names Deployments and Services, so Kubernetes' own rule applies.
DNS1123_LABEL = r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$"
SHA_RE = re.compile(r"^[0-9a-f]{40}$")

AppName = Annotated[str, StringConstraints(pattern=DNS1123_LABEL, max_length=63)]
CommitSha = Annotated[str, StringConstraints(pattern=SHA_RE.pattern)]


class Colour(StrEnum):
    BLUE = "blue"
    GREEN = "green"

    @property
    def other(self) -> Colour:
        return Colour.GREEN if self is Colour.BLUE else Colour.BLUE


def utcnow() -> datetime:
    return datetime.now(UTC)


class Model(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class LintFinding(Model):
    code: str
    level: Literal["error", "warning", "info", "style", "ignore"]
    message: str
    line: int | None = None
    file: str | None = None


class ReleaseError(Model):
    step: str
    reason: str
    log_tail: str | None = None


class Release(Model):
    id: str
    app: AppName
    # Credentials are refused at the API; one that reached the log before that (or another way) is
    # masked as the event is read, so no answer, stream, label or log line can show it.
    repository: Annotated[str, AfterValidator(redact_url)]
    commit: CommitSha
    ref: str | None = Field(None, description="what the requester named (branch, tag or SHA)")
    requested_by: str
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    spec: AppSpec | None = None
    lint: tuple[LintFinding, ...] = ()
    image: str | None = None
    digest: str | None = None
    live_colour: Colour | None = None
    standby_colour: Colour | None = None
    preview: str | None = None
    previous_release: str | None = Field(None, description="release that was live when this one was staged")
    approver: str | None = None
    comment: str | None = None
    admin_override: bool = False
    error: ReleaseError | None = None
    state: ReleaseState = ReleaseState.REQUESTED
    seq: int = 1
