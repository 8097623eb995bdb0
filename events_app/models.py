"""The parts of the Discovery v2 events.json payload we read, parsed leniently."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Annotated, Any, TypeVar

import structlog
from pydantic import (
    AfterValidator,
    AliasPath,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidatorFunctionWrapHandler,
    WrapValidator,
)

log = structlog.get_logger(__name__)
T = TypeVar("T")


def _none_on_error(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
    # A wrong type in one optional part must not cost us the whole event.
    try:
        return handler(value)
    except ValidationError:
        return None


def _joda_time(value: Any) -> Any:
    # The live API sends "19:30:00"; the swagger documents a Joda LocalTime object. Take both.
    if isinstance(value, dict) and "hourOfDay" in value:
        parts = (value["hourOfDay"], value.get("minuteOfHour", 0), value.get("secondOfMinute", 0))
        # time() raises TypeError for null, "19" or 1.5, which pydantic passes on (it would cost the whole
        # page); a ValueError becomes a validation error that Lenient absorbs. A bool is an int, but no hour.
        if not all(type(part) is int for part in parts):
            raise ValueError("LocalTime parts must be integers")
        return time(*parts)
    return value


def _iso_text(value: Any) -> Any:
    # Lax pydantic would read a number as seconds since 1970: for Discovery that is garbage.
    if not isinstance(value, str):
        raise ValueError("expected an ISO 8601 string")
    return value


Lenient = Annotated[T | None, WrapValidator(_none_on_error)]
IsoDate = Annotated[date, BeforeValidator(_iso_text)]
# Discovery times are UTC ("...Z"); one without an offset is read as UTC too, so comparisons work.
_AsUtc = AfterValidator(lambda v: v if v.tzinfo else v.replace(tzinfo=UTC))
UtcDateTime = Annotated[datetime, BeforeValidator(_iso_text), _AsUtc]


class _Part(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class StartDates(_Part):
    localDate: Lenient[IsoDate] = None
    localTime: Lenient[Annotated[time, BeforeValidator(_joda_time)]] = None
    dateTime: Lenient[UtcDateTime] = None
    dateTBD: Lenient[bool] = False
    dateTBA: Lenient[bool] = False
    timeTBA: Lenient[bool] = False
    noSpecificTime: Lenient[bool] = False


class EventDates(_Part):
    start: Lenient[StartDates] = None
    status_code: Lenient[str] = Field(None, validation_alias=AliasPath("status", "code"))


class PublicSaleDates(_Part):
    startDateTime: Lenient[UtcDateTime] = None
    endDateTime: Lenient[UtcDateTime] = None


FiniteFloat = Annotated[float, Field(allow_inf_nan=False)]  # 1e999 reads as inf: `Infinity` is no JSON


class PriceRange(_Part):
    type: Lenient[str] = None
    currency: Lenient[str] = None
    min: Lenient[FiniteFloat] = None
    max: Lenient[FiniteFloat] = None


class Image(_Part):
    url: str
    ratio: Lenient[str] = None
    width: Lenient[int] = None
    fallback: Lenient[bool] = False


class Venue(_Part):
    name: Lenient[str] = None
    city: Lenient[str] = Field(None, validation_alias=AliasPath("city", "name"))
    country: Lenient[str] = Field(None, validation_alias=AliasPath("country", "countryCode"))


class EventEmbedded(_Part):
    venues: Lenient[list[Lenient[Venue]]] = None


class Event(_Part):
    """One `_embedded.events[]` item; only id and name are required to show it at all.

    Nested objects we read one value of are flattened with AliasPath (status.code, city.name...).
    """

    id: str = Field(min_length=1)
    name: str = Field(min_length=1)
    url: Lenient[str] = None
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
