"""Rows of the read model from events and back: the one mapping between the protocol's models and SQL."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from services.shared.db.schema import apps
from services.shared.events import ReleaseEvent
from services.shared.release import Release


def utc(value: datetime) -> datetime:
    # SQLite returns naive datetimes; every time Greenlight stores is UTC.
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def release_row(release: Release, in_flight: bool) -> dict[str, Any]:
    return {
        "k_id": release.id, "app": release.app, "state": release.state.value, "seq": release.seq,
        "colour": release.standby_colour.value if release.standby_colour else None,
        "requested_by": release.requested_by, "approver": release.approver,
        "created_at": utc(release.created_at), "updated_at": utc(release.updated_at),
        "in_flight": in_flight, "snapshot": release.model_dump_json(),
    }


def event_row(event: ReleaseEvent, variant: int, offset: int | None, note: str | None, body: str
              ) -> dict[str, Any]:
    return {
        "release_id": event.release_id, "seq": event.seq, "variant": variant, "app": event.app,
        "state": event.state.value, "actor": event.actor[:100], "occurred_at": utc(event.occurred_at),
        "log_offset": offset, "note": note, "body": body,
    }


APP_COLUMNS = [c.name for c in apps.columns]
