"""The API's path, query and header parameters; a field is a path parameter when the route's path names it."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, ConfigDict, Field, StringConstraints, ValidationInfo, field_validator
from pydantic.config import JsonDict

from services.approval.inputs import CURSOR_PATTERN, STATE_NAME_PATTERN
from services.approval.models import NulFree, Rfc3339
from services.approval.paging import check_cursor
from services.shared.protocol import ReleaseState
from services.shared.release import AppName


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
    # A name, not this version's enum: during a rolling upgrade a newer replica's client may ask for a state only the
    # newer one knows, and gets the releases stored in it (as stored), or none; a malformed name is still 422.
    state: Annotated[str, StringConstraints(pattern=STATE_NAME_PATTERN)] | None = Field(
        None, examples=[s.value for s in ReleaseState],
        description="only releases in this state: one of this version's, or (during a rolling upgrade) one a newer "
                    "Greenlight added, by its name",
    )
    requested_by: str | None = Field(None, max_length=100, description="only releases this identity requested")
    approver: str | None = Field(None, max_length=100, description=(
        "only releases this identity decided (approved or rejected) or gave one of several approvals to, where "
        "a policy needs several"))
    since: Rfc3339 | None = Field(None, description="only releases created at or after this time (RFC 3339)")
    until: Rfc3339 | None = Field(None, description="only releases created before this time (RFC 3339)")
    limit: int = Field(50, ge=1, le=200, description="page size")
    cursor: Annotated[str, StringConstraints(max_length=600, pattern=CURSOR_PATTERN),
                      AfterValidator(_known_cursor)] | None = Field(
        None, description="`next_cursor` of the previous page (opaque URL-safe base64); 404 when it names no "
                    "position this API handed out",
    )

    @field_validator("until")
    @classmethod
    def _after_since(cls, until: datetime | None, info: ValidationInfo) -> datetime | None:
        # A window that ends before it begins is a mistake (swapped dates), not a question whose answer is nothing.
        since = info.data.get("since")
        if until is not None and since is not None and until < since:
            raise ValueError("must not be before `since`")
        return until


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


class ReleaseStreamParams(ReleasePath, ResumeParams):
    pass


class EventStreamParams(ResumeParams):
    app: AppName | None = Field(None, description="only this app's events")
