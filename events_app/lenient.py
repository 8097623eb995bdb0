"""How Discovery's values are read: a wrong type in one optional part costs that part (None), never the event or
the page; dates and times only from ISO 8601 text, in UTC; prices finite (JSON has no `Infinity`)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Annotated, Any, TypeVar

from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    ValidationError,
    ValidatorFunctionWrapHandler,
    WrapValidator,
)

T = TypeVar("T")


def _none_on_error(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
    # A wrong type in one optional part must not cost us the whole event.
    try:
        return handler(value)
    except ValidationError:
        return None


def joda_time(value: Any) -> Any:
    # The live API sends "19:30:00"; the swagger documents a Joda LocalTime object. Take both.
    if isinstance(value, dict) and "hourOfDay" in value:
        parts = (value["hourOfDay"], value.get("minuteOfHour", 0), value.get("secondOfMinute", 0))
        # time() raises TypeError for null, "19" or 1.5, which pydantic passes on (it would cost the whole
        # page); a ValueError becomes a validation error that Lenient absorbs. A bool is an int, but no hour.
        if not all(type(part) is int for part in parts):
            raise ValueError("LocalTime parts must be integers")
        return time(*parts)
    return value


def _well_formed(value: Any) -> Any:
    # JSON can escape half a UTF-16 pair ("\ud83c", a name cut mid-emoji): such a str has no UTF-8 form, and the
    # page and /api/events could not be encoded. The half character reads as U+FFFD instead.
    if isinstance(value, str) and not value.isascii():
        try:
            value.encode()
        except UnicodeEncodeError:
            return value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return value


def _iso_text(value: Any) -> Any:
    # Lax pydantic would read a number as seconds since 1970: for Discovery that is garbage.
    if not isinstance(value, str):
        raise ValueError("expected an ISO 8601 string")
    return value


Lenient = Annotated[T | None, WrapValidator(_none_on_error)]
Text = Annotated[str, BeforeValidator(_well_formed)]  # every str read from Discovery: it may reach a page
IsoDate = Annotated[date, BeforeValidator(_iso_text)]
# Discovery times are UTC ("...Z"); one without an offset is read as UTC too, so comparisons work.
_AsUtc = AfterValidator(lambda v: v.astimezone(UTC) if v.tzinfo else v.replace(tzinfo=UTC))
UtcDateTime = Annotated[datetime, BeforeValidator(_iso_text), _AsUtc]
FiniteFloat = Annotated[float, Field(allow_inf_nan=False)]  # 1e999 reads as inf: `Infinity` is no JSON
