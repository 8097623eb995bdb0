"""selection.py: what counts as for sale now, paging limits, and the served summary."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from tm_fixtures import FUTURE, NOW, PAST, make_event

from events_app.models import Event, PageInfo
from events_app.selection import add_for_sale, is_for_sale, next_page, summarize


def event(event_id: str = "e1", **kwargs: Any) -> Event:
    return Event.model_validate(make_event(event_id, **kwargs))


@pytest.mark.parametrize("status", ["offsale", "canceled", "postponed", "rescheduled", "ONSALE-ish"])
def test_only_onsale_status_counts(status: str) -> None:
    assert not is_for_sale(event(status=status), NOW)
    assert is_for_sale(event(status="onsale"), NOW)


@pytest.mark.parametrize(
    ("sale", "expected"),
    [
        ((PAST, FUTURE), True),
        ((None, None), True),
        (None, True),
        ((FUTURE, None), False),
        ((PAST, "2026-11-30T23:59:59Z"), False),
        ((None, "2026-11-30T23:59:59Z"), False),
        ((NOW.isoformat(), NOW.isoformat()), True),  # the window's edges are inside it
    ],
)
def test_public_sale_window_must_include_now(sale: tuple[str | None, str | None] | None, expected: bool) -> None:
    assert is_for_sale(event(sale=sale), NOW) is expected


def test_keeps_order_dedupes_and_caps_at_twenty() -> None:
    events = [event(f"e{n:02d}") for n in range(30)]
    chosen: dict[str, Event] = {}
    add_for_sale(chosen, [events[1], events[0], event("off", status="offsale"), events[1]], NOW)
    assert list(chosen) == ["e01", "e00"]
    add_for_sale(chosen, events, NOW)
    assert len(chosen) == 20
    assert list(chosen)[:3] == ["e01", "e00", "e02"]


@pytest.mark.parametrize(
    ("total_pages", "current", "size", "expected"),
    [
        (5, 0, 10, 1),
        (5, 4, 10, None),  # that was the last page
        (None, 0, 10, None),  # no paging metadata: don't guess
        (100, 3, 200, 4),  # 4 * 200 = 800 < 1000
        (100, 4, 200, None),  # 5 * 200 = 1000: the API refuses it
        (100, 18, 50, 19),
        (100, 19, 50, None),
    ],
)
def test_next_page_respects_deep_paging_cap(
    total_pages: int | None, current: int, size: int, expected: int | None
) -> None:
    assert next_page(PageInfo(totalPages=total_pages), current, size) == expected


def test_summary_of_a_full_event() -> None:
    summary = summarize(event("e1", name="Show", price=(10.0, 99.5, "USD")))
    assert summary.model_dump() == {
        "id": "e1",
        "name": "Show",
        "url": "https://www.ticketmaster.com/event/e1",
        "start": "2027-05-31T20:00:00",
        "status": "onsale",
        "venue": "Madison Square Garden",
        "city": "New York",
        "country": "US",
        "price_min": 10.0,
        "price_max": 99.5,
        "currency": "USD",
        "image": "https://s1.ticketm.net/dam/e1_16_9.jpg",
    }
    assert summary.when == "2027-05-31 20:00"


@pytest.mark.parametrize(
    ("kwargs", "start", "when"),
    [
        ({"date_tba": True}, None, "Date TBA"),
        ({"date_tbd": True}, None, "Date TBD"),
        ({"time_tba": True}, "2027-05-31", "2027-05-31, time TBA"),
        ({"local_time": None}, "2027-05-31", "2027-05-31"),
        ({"local_date": None}, None, "Date TBA"),
    ],
)
def test_start_wording(kwargs: dict[str, Any], start: str | None, when: str) -> None:
    summary = summarize(event(**kwargs))
    assert (summary.start, summary.when) == (start, when)


def test_start_falls_back_to_utc_datetime() -> None:
    raw = make_event("e1")
    raw["dates"]["start"] = {"dateTime": "2027-01-02T03:04:00Z"}
    summary = summarize(Event.model_validate(raw))
    assert (summary.start, summary.when) == ("2027-01-02T03:04:00Z", "2027-01-02 03:04 UTC")


def test_absent_parts_are_none() -> None:
    summary = summarize(event(price=None, venue=None, images=False))
    assert summary.price_min is summary.price_max is summary.currency is None
    assert summary.venue is summary.city is summary.country is summary.image is None


def test_non_http_links_are_dropped() -> None:
    raw = make_event("e1")
    raw["url"] = "javascript:alert(1)"
    raw["images"] = [{"url": "data:text/html,<script>", "ratio": "16_9"}]
    summary = summarize(Event.model_validate(raw))
    assert summary.url is None
    assert summary.image is None


def test_prefers_own_16_9_image_and_standard_price() -> None:
    raw = make_event("e1")
    fallback = {"url": "https://x/fallback.jpg", "ratio": "16_9", "width": 640, "fallback": True}
    raw["images"].insert(0, fallback)
    raw["priceRanges"].insert(0, {"type": "platinum", "currency": "USD", "min": 500.0, "max": 900.0})
    summary = summarize(Event.model_validate(raw))
    assert summary.image == "https://s1.ticketm.net/dam/e1_16_9.jpg"
    assert summary.price_min == 45.0


def test_sale_window_edge_is_exact() -> None:
    ends = NOW - timedelta(seconds=1)
    assert not is_for_sale(event(sale=(PAST, ends.isoformat())), NOW)
