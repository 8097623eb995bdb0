"""The search options a visitor may pass, validated before anything reaches Ticketmaster."""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated, Any, Literal

from multidict import MultiMapping
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, field_validator
from yarl import URL

# The Discovery `sort` values. The swagger lists "onsaleStartDate,asc" but its validation pattern
# spells it "onSaleStartDate,asc": both are accepted, the pattern's spelling is what is sent.
Sort = Literal[
    "name,asc",
    "name,desc",
    "date,asc",
    "date,desc",
    "relevance,asc",
    "relevance,desc",
    "distance,asc",
    "name,date,asc",
    "name,date,desc",
    "date,name,asc",
    "date,name,desc",
    "onSaleStartDate,asc",
    "id,asc",
]
Classification = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


class EventQuery(BaseModel):
    """Hashable, normalised, so that equivalent requests share one cache entry."""

    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)

    country_code: str = Field(alias="countryCode", pattern=r"^[A-Z]{2}$")
    keyword: str | None = Field(None, max_length=200)
    classification_name: tuple[Classification, ...] = Field((), alias="classificationName", max_length=10)
    sort: Sort = "relevance,desc"

    @field_validator("country_code", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("sort", mode="before")
    @classmethod
    def _pattern_spelling(cls, value: Any) -> Any:
        return "onSaleStartDate,asc" if value == "onsaleStartDate,asc" else value

    @field_validator("keyword", mode="before")
    @classmethod
    def _blank_is_none(cls, value: Any) -> Any:
        if isinstance(value, str):
            return value.strip() or None
        return value

    @field_validator("classification_name", mode="before")
    @classmethod
    def _split_commas(cls, value: Any) -> Any:
        # The API takes "a,b" and repeated parameters alike; make both one canonical form.
        if isinstance(value, tuple | list):
            return tuple(part for item in value for part in str(item).split(",") if part.strip())
        return value

    @field_validator("classification_name")
    @classmethod
    def _canonical_order(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        # The API ORs classifications, so order and repeats don't change the answer.
        return tuple(sorted(set(value)))

    def upstream_params(self) -> list[tuple[str, str]]:
        params = [("countryCode", self.country_code), ("sort", self.sort)]
        if self.keyword:
            params.append(("keyword", self.keyword))
        params.extend(("classificationName", name) for name in self.classification_name)
        return params


class InvalidQuery(Exception):
    def __init__(self, fields: dict[str, list[str]]) -> None:
        super().__init__("invalid query parameters")
        self.fields = fields


_SINGLE = ("countryCode", "keyword", "sort")


def parse_query(params: MultiMapping[str], default_country: str) -> EventQuery:
    """Unknown parameters are ignored (tracking tags and the like); known ones must be valid."""
    data: dict[str, Any] = {"countryCode": default_country}
    repeated = {name: ["give this parameter once"] for name in _SINGLE if len(params.getall(name, [])) > 1}
    if repeated:
        raise InvalidQuery(repeated)
    # Blank is not given: the form sends its optional fields empty, and a cleared Country means the default one.
    data.update({name: params[name] for name in _SINGLE if params.get(name, "").strip()})
    if "classificationName" in params:
        data["classificationName"] = tuple(params.getall("classificationName"))
    try:
        return EventQuery.model_validate(data)
    except ValidationError as exc:
        fields: dict[str, list[str]] = {}
        for err in exc.errors(include_url=False):
            name = str(err["loc"][0]) if err["loc"] else "query"
            fields.setdefault(name, []).append(err["msg"])
        raise InvalidQuery(fields) from None


@lru_cache(maxsize=1024)
def parse_query_string(raw_query: str, default_country: str) -> EventQuery:
    """parse_query, memoised on the raw query string.

    Visitors repeat a few queries; handing out one instance per query also lets the feed's
    cache lookup succeed on identity instead of comparing models field by field.
    """
    return parse_query(URL.build(query_string=raw_query, encoded=True).query, default_country)
