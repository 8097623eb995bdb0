"""Discovery v2 events for the stub, built to the swagger's Event definition.

Ids say what each event is for: only ``ok-*`` events are on sale at ``NOW``, so the expected
top 20 is the first twenty ``ok-*`` ids of the country asked for, in list (relevance) order.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
PAST = "2026-09-01T15:00:00Z"
FUTURE = "2027-03-01T15:00:00Z"

UNICODE_NAME = "Beyoncé — Renaissance 🌍 Tour (Zürich ↔ São Paulo)"
HTML_NAME = '<script>alert("pwned")</script> & "Friends" at Tom\'s <b>Bar</b>'

VENUES = {
    "msg": ("Madison Square Garden", "New York", "US"),
    "ryman": ("Ryman Auditorium", "Nashville", "US"),
    "o2": ("The O2", "London", "GB"),
    "zenith": ("Zénith Paris La Villette", "Paris", "FR"),
}


def make_event(
    event_id: str,
    name: str | None = None,
    *,
    status: str = "onsale",
    sale: tuple[str | None, str | None] | None = (PAST, "2027-06-01T02:00:00Z"),
    local_date: str | None = "2027-05-31",
    local_time: str | None = "20:00:00",
    date_tba: bool = False,
    date_tbd: bool = False,
    time_tba: bool = False,
    price: tuple[float, float, str] | None = (45.0, 120.5, "USD"),
    venue: str | None = "msg",
    images: bool = True,
    segment: str = "Music",
) -> dict[str, Any]:
    start: dict[str, Any] = {"dateTBD": date_tbd, "dateTBA": date_tba, "timeTBA": time_tba}
    if local_date and not (date_tba or date_tbd):
        start["localDate"] = local_date
        if local_time and not time_tba:
            start["localTime"] = local_time
            start["dateTime"] = f"{local_date}T{local_time}Z"
    event: dict[str, Any] = {
        "name": name or f"Event {event_id}",
        "type": "event",
        "id": event_id,
        "test": False,
        "locale": "en-us",
        "url": f"https://www.ticketmaster.com/event/{event_id}",
        "dates": {"start": start, "timezone": "America/New_York", "status": {"code": status}},
        "classifications": [{"primary": True, "segment": {"id": "KZFzniwnSyZfZ7v7nJ", "name": segment}}],
        "_links": {"self": {"href": f"/discovery/v2/events/{event_id}?locale=en-us"}},
    }
    if sale is not None:
        public: dict[str, Any] = {"startTBD": False}
        if sale[0]:
            public["startDateTime"] = sale[0]
        if sale[1]:
            public["endDateTime"] = sale[1]
        event["sales"] = {"public": public}
    if images:
        cdn = f"https://s1.ticketm.net/dam/{event_id}"
        event["images"] = [
            {"ratio": "3_2", "url": f"{cdn}_3_2.jpg", "width": 305, "height": 203, "fallback": False},
            {"ratio": "16_9", "url": f"{cdn}_16_9.jpg", "width": 640, "height": 360, "fallback": False},
        ]
    if price is not None:
        event["priceRanges"] = [{"type": "standard", "currency": price[2], "min": price[0], "max": price[1]}]
    if venue is not None:
        venue_name, city, country = VENUES[venue]
        event["_embedded"] = {
            "venues": [
                {
                    "name": venue_name,
                    "type": "venue",
                    "id": f"KovZ-{venue}",
                    "city": {"name": city},
                    "country": {"name": country, "countryCode": country},
                    "timezone": "America/New_York",
                }
            ]
        }
    return event


def fixture_events() -> list[dict[str, Any]]:
    """Forty events in relevance order; 25 are on sale, spread over several pages."""
    events = [
        make_event("ok-01", UNICODE_NAME),
        make_event("offsale-01", status="offsale"),
        make_event("ok-02", HTML_NAME),
        make_event("canceled-01", status="canceled"),
        make_event("ok-03-tba", date_tba=True, sale=(PAST, None)),
        make_event("postponed-01", status="postponed", date_tbd=True),
        make_event("ok-04-tbd", date_tbd=True, sale=(PAST, None)),
        make_event("rescheduled-01", status="rescheduled"),
        make_event("ok-05-time-tba", time_tba=True),
        make_event("future-sale-01", sale=(FUTURE, None)),
        make_event("ok-06-no-price", price=None),
        make_event("past-sale-01", sale=("2026-01-01T00:00:00Z", "2026-11-30T23:59:59Z")),
        make_event("ok-07-no-venue", venue=None),
        make_event("ok-08-no-images", images=False),
        make_event("ok-09-no-sales", sale=None),
        make_event("ok-10-gb", venue="o2", price=(38.0, 95.0, "GBP")),
        make_event("ok-11-sports", segment="Sports", venue="ryman"),
        make_event("future-sale-02", sale=(FUTURE, "2027-06-01T02:00:00Z")),
    ]
    events += [make_event(f"ok-{n:02d}") for n in range(12, 20)]
    events += [make_event("offsale-02", status="offsale"), make_event("canceled-02", status="canceled")]
    events += [make_event(f"ok-{n:02d}") for n in range(20, 26)]
    events += [make_event(f"offsale-{n:02d}", status="offsale") for n in range(3, 9)]
    return events


def venue_country(event: dict[str, Any]) -> str | None:
    venues = event.get("_embedded", {}).get("venues") or [{}]
    code: str | None = venues[0].get("country", {}).get("countryCode")
    return code


def expected_top(events: list[dict[str, Any]], country: str = "US", limit: int = 20) -> list[str]:
    """What the app must show: on-sale ids, in order, in the country (or venue-less, as the stub)."""
    wanted = [e["id"] for e in events if e["id"].startswith("ok-") and venue_country(e) in (None, country)]
    return wanted[:limit]
