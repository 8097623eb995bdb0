"""Discovery's `dates.start.dateTime` is UTC ("…Z"), but a time with another offset (`…+02:00`) was kept at that
offset and shown as "2027-05-31 20:00 UTC", two hours off; `/api/events` served it with its offset. Such a time is
turned to UTC before it is shown or served."""

from __future__ import annotations

from tm_fixtures import make_event

from events_app.models import Event
from events_app.selection import summarize


def test_an_offset_time_is_shown_and_served_in_utc() -> None:
    raw = make_event("e1", local_date=None)
    raw["dates"]["start"]["dateTime"] = "2027-05-31T20:00:00+02:00"
    summary = summarize(Event.model_validate(raw))
    assert summary.start == "2027-05-31T18:00:00Z"
    assert summary.when == "2027-05-31 18:00 UTC"
