"""The API's shapes: request bodies, parameters and responses; the OpenAPI document is built from these."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    SecretStr,
    StringConstraints,
    field_validator,
)
from pydantic.config import JsonDict
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

from services.approval.inputs import CURSOR_PATTERN, REF_PATTERN, REPOSITORY_PATTERN
from services.approval.paging import check_cursor
from services.approval.policy_models import ApprovalStatus
from services.shared.events import ReleaseEvent
from services.shared.protocol import ReleaseState
from services.shared.release import AppName, Colour, NewAppName, Release

RFC3339_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}")


def _rfc3339_only(value: object) -> object:
    # pydantic would also read "0.5" as Unix time; the API documents (and accepts) RFC 3339 only.
    if isinstance(value, datetime) or (isinstance(value, str) and RFC3339_DATE.match(value)):
        return value
    raise ValueError("expected an RFC 3339 time such as 2026-12-01T09:00:00Z")


def in_utc(value: datetime) -> datetime:
    """The time in UTC, as the database stores and compares times; a naive time is read as UTC. A time the calendar
    cannot express in UTC (0001-01-01T00:00:00+01:00, valid RFC 3339) is before or after every time there is, so
    it is the first or the last one: a filter from the start of time, not an error (schema tools send such times as
    valid input), and never the OverflowError that made it a 500 inside the query."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except OverflowError:
        return (datetime.min if value.year == 1 else datetime.max).replace(tzinfo=UTC)


Rfc3339 = Annotated[AwareDatetime, BeforeValidator(_rfc3339_only), AfterValidator(in_utc)]


def _has_nul(value: object) -> bool:
    if isinstance(value, SecretStr):
        value = value.get_secret_value()
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple | set | frozenset):
        return any(_has_nul(item) for item in value)
    return False


# Said in the document of every string field that has no grammar of its own (a pattern, format or enum,
# which already leaves NUL out), so that schema tools do not send as valid what the API refuses.
NUL_FREE = r"^[^\x00]*$"


def _document_nul_free(field: JsonSchemaValue) -> None:
    for option in field.get("anyOf", [field]):
        if option.get("type") == "string" and not {"pattern", "format", "enum", "const"} & option.keys():
            option["pattern"] = NUL_FREE


class NulFree(BaseModel):
    """Input whose strings may not contain NUL: JSON and URLs can carry it, but PostgreSQL's text columns
    refuse it, so it would fail a query (500) instead of being refused as the input error it is (422)."""

    @field_validator("*")
    @classmethod
    def _refuse_nul(cls, value: object) -> object:
        if _has_nul(value):
            raise ValueError("must not contain a NUL character (U+0000)")
        return value

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler,
                                     ) -> JsonSchemaValue:
        schema = super().__get_pydantic_json_schema__(core_schema, handler)
        for field in handler.resolve_ref_schema(schema).get("properties", {}).values():
            _document_nul_free(field)
        return schema


class Body(NulFree):
    model_config = ConfigDict(extra="forbid", frozen=True)


# An image pinned by digest: `<registry>/<repository>@sha256:<64 hex>`; a tag could move under us.
PINNED_IMAGE = r"^[a-z0-9.:/_-]{1,400}@sha256:[0-9a-f]{64}$"


class ReleaseRequest(Body):
    # A full SHA needs no network, so the example is accepted by any Greenlight whatever its DNS.
    model_config = ConfigDict(json_schema_extra={
        "examples": [{"app": "tmapp", "repository": "https://github.com/greenlight-dev/tmapp.git",
                      "commit": "4b825dc642cb6eb9a060e54bf8d69288fbee4904"}],
        # Which fields go together (promotion.check_request_fields), said where schema tools can read it.
        "oneOf": [
            {"required": ["repository", "commit"], "properties": {
                "repository": {"type": "string"}, "commit": {"type": "string"}, "from_release": {"type": "null"}}},
            {"required": ["from_release"], "properties": {
                "from_release": {"type": "string"}, "repository": {"type": "null"}, "commit": {"type": "null"},
                "image": {"type": "null"}}},
        ],
    })

    app: NewAppName = Field(description="the app to release: a DNS-1035 label of at most 55 characters, "
                                        "so that every name derived from it is valid on the platform")
    repository: str | None = Field(
        None, min_length=1, max_length=500, pattern=REPOSITORY_PATTERN,
        description="git URL (https, ssh, git or user@host:path; never with credentials: the operator configures "
                    "a credential helper); required unless `from_release` is given. 403 when the operator's "
                    "GREENLIGHT_REPOSITORY_ALLOW does not allow it")
    commit: str | None = Field(
        None, min_length=1, max_length=255, pattern=REF_PATTERN,
        description="a 40-hex commit SHA, or a branch, tag or HEAD (404 when the repository has no such ref); "
                    "required unless `from_release` is given")
    image: str | None = Field(None, pattern=PINNED_IMAGE,
                              description="deploy this image (pinned by digest) instead of building; it must "
                                          "be in the app's repository of the target registry. The spec is "
                                          "read from greenlight.yaml at `commit`")
    from_release: str | None = Field(None, min_length=1, max_length=64,
                                     description="redeploy the image of this earlier release of the app "
                                                 "(same repository, commit and spec), without building")


class DecisionRequest(Body):
    model_config = ConfigDict(json_schema_extra={"examples": [{"comment": "preview checked"}]})

    comment: str | None = Field(None, max_length=2000, description="why; kept in the audit trail")


class RollbackRequest(Body):
    model_config = ConfigDict(json_schema_extra={"examples": [{"reason": "error rate doubled"}]})

    reason: str = Field(min_length=1, max_length=2000, description="why the live release is rolled back")
    to: str | None = Field(None, min_length=1, max_length=64, description=(
        "roll back to this earlier release of the app: a new release redeploys its image (no build), runs the "
        "checks and switches, `restores` naming it; the request is its approval unless the app's policy says "
        "`rollback_needs_approval`. Without `to`: the previous release, still warm, goes live again at once"))


class Params(NulFree):
    """Path, query and header parameters; a field is a path parameter when the route's path names it."""

    # Unknown query parameters are ignored: cache-busters and `ticket` must not break a request.
    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)


HEADER: JsonDict = {"in": "header"}  # marks a header parameter for the router and OpenAPI


class ReleasePath(Params):
    # As long as the database's release ids may be: a longer one names no release.
    id: str = Field(min_length=1, max_length=64, description="release id")


class AppPath(Params):
    app: AppName = Field(description="app name")


def _known_cursor(value: str) -> str:
    """A cursor in the documented format that names no position is no input error: there is no such page."""
    from services.approval.errors import NotFound  # errors imports these models

    try:
        return check_cursor(value)
    except ValueError:
        raise NotFound("No page starts at that cursor; pass a `next_cursor` this API returned.") from None


class ReleaseQuery(Params):
    app: AppName | None = Field(None, description="only this app's releases")
    state: ReleaseState | None = Field(None, description="only releases in this state")
    requested_by: str | None = Field(None, max_length=100, description="only releases this identity requested")
    approver: str | None = Field(None, max_length=100, description="only releases this identity decided")
    since: Rfc3339 | None = Field(None, description="only releases created at or after this time (RFC 3339)")
    until: Rfc3339 | None = Field(None, description="only releases created before this time (RFC 3339)")
    limit: int = Field(50, ge=1, le=200, description="page size")
    cursor: Annotated[str, StringConstraints(max_length=600, pattern=CURSOR_PATTERN),
                      AfterValidator(_known_cursor)] | None = Field(
        None, description="`next_cursor` of the previous page (opaque URL-safe base64); 404 when it names no "
                    "position this API handed out",
    )


class ResumeParams(Params):
    last_event_id_header: int | None = Field(
        None, ge=-1, alias="Last-Event-ID", json_schema_extra=HEADER,
        description="resume after this offset (sent by EventSource on reconnect)",
    )
    last_event_id: int | None = Field(None, ge=-1, description="resume after this offset (if no header)")

    @property
    def after(self) -> int | None:
        """The offset to resume after; None: start at the newest (history is `GET /releases/{id}`)."""
        # The header wins: a browser resends the original URL, but the header holds the latest offset.
        for value in (self.last_event_id_header, self.last_event_id):
            if value is not None:
                return value
        return None


class StreamTicketOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"ticket": "mX2c0Hh6h3Qx6C1q8Gf4m0n8W1bq3Jk7oY5d2Zr9sTc", "expires_in": 30.0}]})

    ticket: str = Field(description="pass as `?ticket=` to one event stream request; single use")
    expires_in: float = Field(description="seconds the ticket stays valid")


class ReleaseStreamParams(ReleasePath, ResumeParams):
    pass


class EventStreamParams(ResumeParams):
    app: AppName | None = Field(None, description="only this app's events")


class ReleaseLinks(BaseModel):
    self: str
    events: str
    approve: str
    reject: str

    @classmethod
    def of(cls, release_id: str) -> ReleaseLinks:
        base = f"/releases/{release_id}"
        return cls(self=base, events=f"{base}/events", approve=f"{base}/approve", reject=f"{base}/reject")


class ReleaseOut(Release):
    links: ReleaseLinks
    approval: ApprovalStatus | None = Field(None, description=(
        "how the release stands against its approval policy (approvals given of required, soak, expiry, "
        "auto-promotion); in a release's detail and a decision's answer, once it was ready for approval"))

    @classmethod
    def of(cls, release: Release, approval: ApprovalStatus | None = None) -> ReleaseOut:
        return cls.model_validate({**dict(release), "links": ReleaseLinks.of(release.id), "approval": approval})


class EventOut(ReleaseEvent):
    offset: int | None = Field(description="position in the release log: the SSE id, to resume after; null for "
                                           "an event recorded a moment ago that the log has not echoed yet")
    note: str | None = Field(None, description="why the event did not change the release: `conflict` (another "
                                               "event has its seq), `illegal transition …`, `late`; null if it did")


class ReleasePage(BaseModel):
    items: list[ReleaseOut]
    next_cursor: str | None = Field(description="pass as `cursor` for the next page; null on the last")


class ReleaseDetail(BaseModel):
    release: ReleaseOut
    history: list[EventOut] = Field(description="every event of the release, oldest first (by seq)")


class WarmColour(BaseModel):
    colour: Colour = Field(description="the colour kept running for an instant rollback")
    release: ReleaseOut | None = Field(description="the release still running on it")
    scale_down_at: datetime = Field(description="when the switcher scales it down (from its event)")


class ColourReplicas(BaseModel):
    ready: int = Field(ge=0, description="replicas ready to serve now, as the platform reports them")
    desired: int = Field(ge=0, description="replicas the colour should run (0: scaled down)")


class AppStatus(BaseModel):
    app: str
    live_colour: Colour | None = Field(description="the colour serving traffic, as the switcher switched it")
    live_release: ReleaseOut | None
    standby_release: ReleaseOut | None = Field(description="the release on the standby colour, if any")
    in_flight: ReleaseOut | None
    warm: WarmColour | None = Field(None, description="the previous colour, still running until scale-down")
    colours: dict[Colour, ColourReplicas] | None = Field(
        None, description="replicas ready/desired per colour that exists on the platform, read from it now; "
                          "null when the API does not read the platform (GREENLIGHT_API_COLOUR_FACTS) or it "
                          "did not answer in time")


class FieldError(BaseModel):
    loc: list[str | int]
    msg: str


class ErrorOut(BaseModel):
    error: str = Field(description="one clear sentence")
    fields: list[FieldError] | None = Field(None, description="what was wrong with which input (422)")
    state: ReleaseState | None = Field(None, description="the release's current state (409)")
    blocking_release: str | None = Field(None, description="the in-flight release in the way (409)")
    decision: ReleaseState | None = Field(None, description="the decision already made on the release (409)")
    decided_by: str | None = Field(None, description="who made that decision (409)")
    opens_at: datetime | None = Field(None, description="when approval opens, for a release still soaking (409)")
