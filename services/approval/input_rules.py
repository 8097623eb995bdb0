"""Rules every input of the API shares, in its bodies and parameters alike: no NUL in any string (PostgreSQL
refuses it), times in RFC 3339 only and compared in UTC; each said in the OpenAPI document where tools read it."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    GetJsonSchemaHandler,
    SecretStr,
    field_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

RFC3339_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}")


def _rfc3339_only(value: object) -> object:
    # pydantic would also read "0.5" as Unix time; the API documents (and accepts) RFC 3339 only.
    if isinstance(value, datetime) or (isinstance(value, str) and RFC3339_DATE.match(value)):
        return value
    raise ValueError("expected an RFC 3339 time such as 2026-12-01T09:00:00Z")


def in_utc(value: datetime) -> datetime:
    """The time in UTC, as the database stores and compares times; a naive time is read as UTC. A time the calendar
    cannot express in UTC (0001-01-01T00:00:00+01:00, valid RFC 3339) is before or after every time there is, so
    it is the first or the last one: a filter from the start of time, not an error (schema tools send such times as
    valid input), and never the OverflowError that made it a 500 inside the query."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except OverflowError:
        return (datetime.min if value.year == 1 else datetime.max).replace(tzinfo=UTC)


Rfc3339 = Annotated[AwareDatetime, BeforeValidator(_rfc3339_only), AfterValidator(in_utc)]


def _has_nul(value: object) -> bool:
    if isinstance(value, SecretStr):
        value = value.get_secret_value()
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple | set | frozenset):
        return any(_has_nul(item) for item in value)
    return False


# Said in the document of every string field that has no grammar of its own (a pattern, format or enum,
# which already leaves NUL out), so that schema tools do not send as valid what the API refuses.
NUL_FREE = r"^[^\x00]*$"


def _document_nul_free(field: JsonSchemaValue) -> None:
    for option in field.get("anyOf", [field]):
        if option.get("type") == "string" and not {"pattern", "format", "enum", "const"} & option.keys():
            option["pattern"] = NUL_FREE


class NulFree(BaseModel):
    """Input whose strings may not contain NUL: JSON and URLs can carry it, but PostgreSQL's text columns
    refuse it, so it would fail a query (500) instead of being refused as the input error it is (422)."""

    @field_validator("*")
    @classmethod
    def _refuse_nul(cls, value: object) -> object:
        if _has_nul(value):
            raise ValueError("must not contain a NUL character (U+0000)")
        return value

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler,
                                     ) -> JsonSchemaValue:
        schema = super().__get_pydantic_json_schema__(core_schema, handler)
        for field in handler.resolve_ref_schema(schema).get("properties", {}).values():
            _document_nul_free(field)
        return schema


class Body(NulFree):
    model_config = ConfigDict(extra="forbid", frozen=True)
