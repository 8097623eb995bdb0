"""What a release is: the snapshot every event carries, so no service has to ask another."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, WithJsonSchema

from services.shared.protocol import ReleaseState
from services.shared.redact import redact_url
from services.shared.spec_fields import LoggedSpec

# DNS-1123 label: it names Deployments and Services, so Kubernetes' own rule applies.
DNS1123_LABEL = r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$"
SHA_RE = re.compile(r"^[0-9a-f]{40}$")

AppName = Annotated[str, StringConstraints(pattern=DNS1123_LABEL, max_length=63)]

# What a NEW app may be called: every name the platforms derive from it must be valid. A Service name is a
# DNS-1035 label (a letter first, so `1app` is refused) and the longest derived name, `<app>-service` or
# `<app>-preview` (services/shared/kube/settings.py), must fit a label's 63 characters. Checked when a
# release is requested, so a bad name is a 422 at once instead of a failed deploy after build and push;
# `AppName` stays the wider rule so events already logged under it still parse.
LONGEST_NAME_SUFFIX = "-service"
DNS1035_LABEL = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
NEW_APP_MAX_LENGTH = 63 - len(LONGEST_NAME_SUFFIX)


def check_new_app_name(name: str) -> str:
    if len(name) > NEW_APP_MAX_LENGTH:
        raise ValueError(f"at most {NEW_APP_MAX_LENGTH} characters, so that <app>{LONGEST_NAME_SUFFIX} "
                         f"fits the 63 of a Kubernetes name")
    if not DNS1035_LABEL.fullmatch(name):  # fullmatch: `$` alone also matches before a final newline
        raise ValueError("a DNS-1035 label: lower-case letters, digits and '-', starting with a letter "
                         "and ending with a letter or digit (it names Kubernetes Services)")
    return name


NewAppName = Annotated[str, AfterValidator(check_new_app_name), WithJsonSchema({
    "type": "string", "pattern": DNS1035_LABEL.pattern, "minLength": 1, "maxLength": NEW_APP_MAX_LENGTH})]
CommitSha = Annotated[str, StringConstraints(pattern=SHA_RE.pattern)]


class Colour(StrEnum):
    BLUE = "blue"
    GREEN = "green"

    @property
    def other(self) -> Colour:
        return Colour.GREEN if self is Colour.BLUE else Colour.BLUE


def utcnow() -> datetime:
    return datetime.now(UTC)


def _as_utc_if_naive(value: datetime) -> datetime:
    # A publisher's time without an offset (pydantic accepts one) is UTC, as the read model stores it: left naive, the
    # first comparison with an aware time raised TypeError (a 500 from every delivery figure for 30 days). Aware times
    # are kept as written: an event's body is compared as logged.
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


UtcTime = Annotated[datetime, AfterValidator(_as_utc_if_naive)]


def _open(schema: dict[str, Any]) -> None:
    schema.pop("additionalProperties", None)  # left out, it means the same: any other field may come


class Model(BaseModel):
    # A field only a newer Greenlight writes is kept, and written again in every event made from this one: ignored,
    # an older replica in a rolling upgrade dropped it from the snapshot it published, and the newer ones after it
    # in the release's steps never saw it.
    model_config = ConfigDict(extra="allow", frozen=True, json_schema_extra=_open)


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
    created_at: UtcTime = Field(default_factory=utcnow)
    updated_at: UtcTime = Field(default_factory=utcnow)
    spec: LoggedSpec | None = None  # AppSpec, with a newer Greenlight's fields kept (spec_fields.py)
    lint: tuple[LintFinding, ...] = ()
    image: str | None = None
    digest: str | None = None
    live_colour: Colour | None = None
    standby_colour: Colour | None = None
    preview: str | None = None
    previous_release: str | None = Field(None, description="release that was live when this one was staged")
    restores: str | None = Field(None, description="the earlier release a rollback-to-release redeploys")
    approver: str | None = None
    comment: str | None = None
    admin_override: bool = False
    error: ReleaseError | None = None
    state: ReleaseState = ReleaseState.REQUESTED
    seq: int = 1
