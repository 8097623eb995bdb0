"""An event or release time written without a UTC offset is read as UTC, so every comparison with an aware time
works (a naive one raised TypeError wherever it met one: the delivery figures, an approval's wait)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from services.shared.events import first_event, parse_event
from tests.harness import make_release


def test_naive_times_in_an_event_are_read_as_utc() -> None:
    raw = json.loads(first_event(make_release(), actor="ann").dumps())
    raw["occurred_at"] = "2026-12-01T10:00:00"
    raw["release"]["created_at"] = raw["release"]["updated_at"] = "2026-12-01T09:00:00"
    event = parse_event(json.dumps(raw).encode())
    assert event.occurred_at == datetime(2026, 12, 1, 10, tzinfo=UTC)
    assert event.release.created_at == event.release.updated_at == datetime(2026, 12, 1, 9, tzinfo=UTC)
    assert (datetime(2026, 12, 1, 10, 30, tzinfo=UTC) - event.occurred_at).total_seconds() == 1800


def test_an_aware_time_is_kept_as_written() -> None:
    raw = json.loads(first_event(make_release(), actor="ann").dumps())
    raw["occurred_at"] = "2026-12-01T12:00:00+02:00"
    event = parse_event(json.dumps(raw).encode())
    assert event.occurred_at.utcoffset() is not None and event.occurred_at.utcoffset().total_seconds() == 7200
    assert event.occurred_at == datetime(2026, 12, 1, 10, tzinfo=UTC)
