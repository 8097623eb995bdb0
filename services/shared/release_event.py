"""Event messages: one per state change, each carrying the release snapshot after it. Reading one from a body
(parsing, checking, upgrading an older schema version) is events.py's."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from services.shared.protocol import ReleaseState, check_transition, routing_key
from services.shared.release import AppName, Release, UtcTime, utcnow

SCHEMA_VERSION = 1


class ReleaseEvent(BaseModel):
    # Unknown fields are ignored so an older service reads a newer minor revision.
    model_config = ConfigDict(extra="ignore", frozen=True)

    schema_version: int = SCHEMA_VERSION
    release_id: str
    app: AppName
    seq: int = Field(ge=1, description="per-release sequence number, +1 per state change")
    state: ReleaseState
    occurred_at: UtcTime = Field(default_factory=utcnow)
    actor: str
    details: dict[str, Any] = Field(default_factory=dict, description=(
        "what this step added or found; an analysis measurement (`analysing`, `verifying`) carries `measurement` "
        "{check, provider, value, verdict, why, at}, and the step a verdict led to carries `analysis` "
        "{verdict, reason, tally, measurements}"))
    release: Release

    @property
    def message_id(self) -> str:
        # Deterministic: a redelivered handler re-emits the same id, so duplicates are recognisable.
        return f"{self.release_id}/{self.seq}"

    @property
    def routing_key(self) -> str:
        return routing_key(self.app, self.state)

    def next(self, state: ReleaseState, actor: str, details: dict[str, Any] | None = None,
             **changes: Any) -> ReleaseEvent:
        """The event for the next state change; refuses illegal transitions."""
        check_transition(self.state, state)
        now = utcnow()
        release = self.release.model_copy(
            update={**changes, "state": state, "seq": self.seq + 1, "updated_at": now}
        )
        return ReleaseEvent(
            release_id=self.release_id, app=self.app, seq=self.seq + 1, state=state, occurred_at=now,
            actor=actor, details=details or {}, release=release,
        )

    def dumps(self) -> bytes:
        return self.model_dump_json().encode()


def first_event(release: Release, actor: str) -> ReleaseEvent:
    details: dict[str, Any] = {"repository": release.repository, "commit": release.commit, "ref": release.ref}
    if release.image is not None:  # an existing image is released: nothing will be built
        details["image"] = release.image
    return ReleaseEvent(
        release_id=release.id, app=release.app, seq=1, state=ReleaseState.REQUESTED,
        occurred_at=release.created_at, actor=actor, release=release, details=details,
    )
