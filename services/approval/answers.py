"""The API's answers: releases with their links and approval status, events, pages, an app's state, errors."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from services.approval.policy_models import ApprovalStatus
from services.shared.events import ReleaseEvent
from services.shared.protocol import ReleaseState
from services.shared.release import Colour, Release


class StreamTicketOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"ticket": "mX2c0Hh6h3Qx6C1q8Gf4m0n8W1bq3Jk7oY5d2Zr9sTc", "expires_in": 30.0}]})

    ticket: str = Field(description="pass as `?ticket=` to one event stream request; single use")
    expires_in: float = Field(description="seconds the ticket stays valid")


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


# During a rolling upgrade an older replica shows a release or event a newer Greenlight wrote as it was stored
# (shown_json.py): no model of this version holds it, so the answers admit it beside this version's, by these.
_AS_STORED = ("a newer Greenlight's, shown as stored during a rolling upgrade: every field it was stored with, "
              "which may be outside this version's schema (a state only the newer one knows, a newer schema_version's "
              "shape)")
_UNKNOWN = "what this version does not know of it, e.g. `state: 'scanning'`, `schema_version 2`"


class NewerReleaseOut(BaseModel):
    model_config = ConfigDict(extra="allow", json_schema_extra={"description": f"A release {_AS_STORED}."})

    links: ReleaseLinks
    approval: None = None
    unknown_to_this_version: str = Field(description=_UNKNOWN)


class NewerEventOut(BaseModel):
    model_config = ConfigDict(extra="allow", json_schema_extra={"description": f"An event {_AS_STORED}."})

    offset: int | None
    note: str | None = None
    unknown_to_this_version: str = Field(description=_UNKNOWN)


class ReleasePage(BaseModel):
    items: list[ReleaseOut | NewerReleaseOut]
    next_cursor: str | None = Field(description="pass as `cursor` for the next page; null on the last")


class ReleaseDetail(BaseModel):
    release: ReleaseOut | NewerReleaseOut
    history: list[EventOut | NewerEventOut] = Field(description="every event of the release, oldest first (by seq)")


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
    live_release: ReleaseOut | NewerReleaseOut | None
    standby_release: ReleaseOut | NewerReleaseOut | None = Field(
        description="the release on the standby colour, if any")
    in_flight: ReleaseOut | NewerReleaseOut | None
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
