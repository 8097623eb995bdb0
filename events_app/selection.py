"""Which events count as "for sale now", and how each is summarised: pure functions only."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from .models import Event, Image, PageInfo, PriceRange, StartDates

TOP_N = 20
# Discovery refuses deep pages: it only serves pages where size * page < 1000.
DEEP_PAGING_LIMIT = 1000


class EventSummary(BaseModel):
    """One event as /api/events serves it; `when` is the page's wording of the date."""

    model_config = ConfigDict(frozen=True)

    id: str
    name: str
    url: str | None
    start: str | None
    status: str | None
    venue: str | None
    city: str | None
    country: str | None
    price_min: float | None
    price_max: float | None
    currency: str | None
    image: str | None
    when: str = Field(exclude=True)


def is_for_sale(event: Event, now: datetime) -> bool:
    status = event.dates.status_code if event.dates else None
    if (status or "").lower() != "onsale":
        return False
    window = event.public_sale
    if window is None:
        return True
    if window.startDateTime is not None and now < window.startDateTime:
        return False
    return window.endDateTime is None or now <= window.endDateTime


def add_for_sale(chosen: dict[str, Event], events: Iterable[Event], now: datetime) -> None:
    """Extend `chosen` in the API's order up to TOP_N; ids dedupe items repeated across pages."""
    for event in events:
        if len(chosen) >= TOP_N:
            return
        if event.id not in chosen and is_for_sale(event, now):
            chosen[event.id] = event


def next_page(info: PageInfo | None, current: int, size: int) -> int | None:
    """The page to fetch after `current`, or None when the API has no more we may ask for."""
    following = current + 1
    # Without paging metadata there is no telling whether more exists; asking would only guess.
    if info is None or info.totalPages is None or following >= info.totalPages:
        return None
    if following * size >= DEEP_PAGING_LIMIT:
        return None
    return following


def _http_url(url: str | None) -> str | None:
    # Links go into href/src: anything but http(s) (javascript:, data:) is dropped.
    if url and url.lower().startswith(("https://", "http://")):
        return url
    return None


def _start(start: StartDates | None) -> tuple[str | None, str]:
    """ISO value for the API and wording for the page; local date/time, as on the ticket."""
    if start is None or start.dateTBA:
        return None, "Date TBA"
    if start.dateTBD:
        return None, "Date TBD"
    if start.localDate is not None:
        day = start.localDate.isoformat()
        if start.timeTBA:
            return day, f"{day}, time TBA"
        if start.localTime is None or start.noSpecificTime:
            return day, day
        moment = datetime.combine(start.localDate, start.localTime)
        return moment.isoformat(), f"{day} {start.localTime:%H:%M}"
    if start.dateTime is not None:
        return start.dateTime.isoformat().replace("+00:00", "Z"), f"{start.dateTime:%Y-%m-%d %H:%M} UTC"
    return None, "Date TBA"


def _price(ranges: list[PriceRange | None] | None) -> PriceRange | None:
    usable = [r for r in ranges or () if r is not None and (r.min is not None or r.max is not None)]
    standard = [r for r in usable if r.type in (None, "standard")]
    preferred = standard or usable
    return preferred[0] if preferred else None


def _image(images: list[Image | None] | None) -> str | None:
    usable = [i for i in images or () if i is not None and _http_url(i.url)]
    # Prefer the event's own picture, in the page's 16:9 slot, near the 640px it is shown at.
    usable.sort(key=lambda i: (bool(i.fallback), i.ratio != "16_9", abs((i.width or 0) - 640)))
    return usable[0].url if usable else None


def summarize(event: Event) -> EventSummary:
    dates = event.dates
    start, when = _start(dates.start if dates else None)
    venues = event.embedded.venues if event.embedded else None
    venue = next((v for v in venues or () if v is not None), None)
    price = _price(event.priceRanges)
    return EventSummary(
        id=event.id,
        name=event.name,
        url=_http_url(event.url),
        start=start,
        status=dates.status_code if dates else None,
        venue=venue.name if venue else None,
        city=venue.city if venue else None,
        country=venue.country if venue else None,
        price_min=price.min if price else None,
        price_max=price.max if price else None,
        currency=price.currency if price else None,
        image=_image(event.images),
        when=when,
    )
