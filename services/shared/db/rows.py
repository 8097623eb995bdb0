"""Rows of the read model from events and back: the one mapping between the protocol's models and SQL."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from services.shared.db.schema import apps, events, releases
from services.shared.events import ReleaseEvent
from services.shared.release import Release


def utc(value: datetime) -> datetime:
    # SQLite returns naive datetimes; every time Greenlight stores is UTC.
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


_INT_MAX = 2**31 - 1  # an Integer column on PostgreSQL (seq)
_BOUNDED = (releases.c.id, releases.c.requested_by, releases.c.approver, events.c.app)


def unfit(event: ReleaseEvent) -> str | None:
    """Why the database cannot hold this event's rows (None if it can). Such an event in the log was refused by
    every batch that held it (a DataError on PostgreSQL, an OverflowError on either), retried for ever: the
    projection stopped at it for good."""
    release = event.release
    values = (event.release_id, release.requested_by, release.approver, event.app)
    for column, value in zip(_BOUNDED, values, strict=True):
        if value is not None and len(value) > column.type.length:  # type: ignore[attr-defined]
            return f"{column.name} longer than {column.type.length} characters"  # type: ignore[attr-defined]
    if any("\x00" in (value or "") for value in (*values, event.actor)):
        return "a NUL character in a stored field"
    if max(event.seq, release.seq) > _INT_MAX:
        return f"seq past {_INT_MAX}"
    try:
        for when in (event.occurred_at, release.created_at, release.updated_at):
            utc(when)
    except OverflowError:
        return "a time with no UTC equivalent"
    return None


def release_row(release: Release, in_flight: bool) -> dict[str, Any]:
    return {
        "k_id": release.id, "app": release.app, "state": release.state.value, "seq": release.seq,
        "colour": release.standby_colour.value if release.standby_colour else None,
        "requested_by": release.requested_by, "approver": release.approver,
        "created_at": utc(release.created_at), "updated_at": utc(release.updated_at),
        "in_flight": in_flight, "snapshot": release.model_dump_json(),
        "commit_sha": release.commit,  # what a push looks its commit up by (push_desk.py)
    }


def event_row(event: ReleaseEvent, variant: int, offset: int | None, note: str | None, body: str
              ) -> dict[str, Any]:
    return {
        "release_id": event.release_id, "seq": event.seq, "variant": variant, "app": event.app,
        "state": event.state.value, "actor": event.actor[:100], "occurred_at": utc(event.occurred_at),
        "log_offset": offset, "note": note, "body": body,
    }


APP_COLUMNS = [c.name for c in apps.columns]
