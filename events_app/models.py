"""The parts of the Discovery v2 events.json payload we read, parsed leniently (the value types: lenient.py)."""

from __future__ import annotations

from datetime import time
from typing import Annotated, Any

import structlog
from pydantic import AliasPath, BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from .lenient import FiniteFloat, IsoDate, Lenient, Text, UtcDateTime, joda_time

log = structlog.get_logger(__name__)


class _Part(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class StartDates(_Part):
    localDate: Lenient[IsoDate] = None
    localTime: Lenient[Annotated[time, BeforeValidator(joda_time)]] = None
    dateTime: Lenient[UtcDateTime] = None
    dateTBD: Lenient[bool] = False
    dateTBA: Lenient[bool] = False
    timeTBA: Lenient[bool] = False
    noSpecificTime: Lenient[bool] = False


class EventDates(_Part):
    start: Lenient[StartDates] = None
    status_code: Lenient[Text] = Field(None, validation_alias=AliasPath("status", "code"))


class PublicSaleDates(_Part):
    startDateTime: Lenient[UtcDateTime] = None
    endDateTime: Lenient[UtcDateTime] = None


class PriceRange(_Part):
    type: Lenient[Text] = None
    currency: Lenient[Text] = None
    min: Lenient[FiniteFloat] = None
    max: Lenient[FiniteFloat] = None


class Image(_Part):
    url: Text
    ratio: Lenient[Text] = None
    width: Lenient[int] = None
    fallback: Lenient[bool] = False


class Venue(_Part):
    name: Lenient[Text] = None
    city: Lenient[Text] = Field(None, validation_alias=AliasPath("city", "name"))
    country: Lenient[Text] = Field(None, validation_alias=AliasPath("country", "countryCode"))


class EventEmbedded(_Part):
    venues: Lenient[list[Lenient[Venue]]] = None


class Event(_Part):
    """One `_embedded.events[]` item; only id and name are required to show it at all.

    Nested objects we read one value of are flattened with AliasPath (status.code, city.name...).
    """

    id: Text = Field(min_length=1)
    name: Text = Field(min_length=1)
    url: Lenient[Text] = None
    images: Lenient[list[Lenient[Image]]] = None
    dates: Lenient[EventDates] = None
    public_sale: Lenient[PublicSaleDates] = Field(None, validation_alias=AliasPath("sales", "public"))
    priceRanges: Lenient[list[Lenient[PriceRange]]] = None
    embedded: Lenient[EventEmbedded] = Field(None, alias="_embedded")


class PageInfo(_Part):
    totalPages: Lenient[int] = None


class EventPage(_Part):
    events: tuple[Event, ...]
    page: Lenient[PageInfo] = None


def parse_page(payload: Any) -> EventPage:
    """Keep every event that parses; a bad one is logged and skipped, never fatal."""
    if not isinstance(payload, dict):
        raise ValueError(f"expected a JSON object, got {type(payload).__name__}")
    embedded = payload.get("_embedded")
    raw = embedded.get("events") if isinstance(embedded, dict) else None
    if embedded is not None and not isinstance(raw, list):
        log.warning("discovery_page_without_event_list", embedded_type=type(embedded).__name__)
    events: list[Event] = []
    for index, item in enumerate(raw if isinstance(raw, list) else []):
        try:
            events.append(Event.model_validate(item))
        except ValidationError as exc:
            event_id = item.get("id") if isinstance(item, dict) else None
            fields = sorted({".".join(map(str, err["loc"])) for err in exc.errors()})
            log.warning("skipped_malformed_event", index=index, event_id=event_id, fields=fields)
    return EventPage(events=tuple(events), page=payload.get("page"))
