"""An EventSource over the bundled sample, so the app runs with no key and no internet."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from .models import EventPage, parse_page
from .query import EventQuery

SAMPLE_FILE = "sample_events.json"


@cache
def load_sample() -> dict[str, Any]:
    """The bundled payload, in the exact shape of a Discovery events.json response."""
    text = resources.files(__package__).joinpath(SAMPLE_FILE).read_text(encoding="utf-8")
    payload: dict[str, Any] = json.loads(text)
    return payload


def _venue_country(event: dict[str, Any]) -> str | None:
    venues = event.get("_embedded", {}).get("venues") or [{}]
    code: str | None = venues[0].get("country", {}).get("countryCode")
    return code


def _classification_names(event: dict[str, Any]) -> set[str]:
    names = set()
    for item in event.get("classifications", []):
        for level in ("segment", "genre", "subGenre", "type", "subType"):
            name = (item.get(level) or {}).get("name")
            if name:
                names.add(name.casefold())
    return names


def _matches(event: dict[str, Any], query: EventQuery) -> bool:
    if _venue_country(event) != query.country_code:
        return False
    if query.keyword and query.keyword.casefold() not in event.get("name", "").casefold():
        return False
    wanted = {name.casefold() for name in query.classification_name}
    return not wanted or bool(wanted & _classification_names(event))


def _sort_key(event: dict[str, Any], field: str) -> str:
    if field == "name":
        return str(event.get("name", "")).casefold()
    start = event.get("dates", {}).get("start", {})
    # TBA/TBD dates sort last, as the API puts them.
    return str(start.get("dateTime") or start.get("localDate") or "9999")


class SampleSource:
    """Filters and pages the sample roughly as the API would; relevance keeps file order."""

    name = "sample"

    def __init__(self, payload: dict[str, Any] | None = None) -> None:
        self._events: list[dict[str, Any]] = (payload or load_sample())["_embedded"]["events"]

    def check_backoff(self) -> None:
        """Never backs off: the sample costs no quota."""

    async def fetch_page(self, query: EventQuery, page: int, size: int) -> EventPage:
        events = [event for event in self._events if _matches(event, query)]
        field, _, direction = query.sort.rpartition(",")
        first_field = field.split(",")[0]
        if first_field in ("name", "date"):
            events.sort(key=lambda event: _sort_key(event, first_field), reverse=direction == "desc")
        info = {"size": size, "totalElements": len(events), "totalPages": -(-len(events) // size)}
        chunk = events[page * size : (page + 1) * size]
        return parse_page({"_embedded": {"events": chunk}, "page": info | {"number": page}})
