"""The search form as the page shows it: human labels for sort orders, and the values a visitor typed."""

from __future__ import annotations

from aiohttp import web

from .query import EventQuery

# The Discovery API's sort values, in the words a visitor reads; the option's value stays the API's.
SORT_LABELS: dict[str, str] = {
    "relevance,desc": "Most relevant",
    "date,asc": "Soonest first",
    "date,desc": "Latest first",
    "name,asc": "Name, A to Z",
    "name,desc": "Name, Z to A",
    "onSaleStartDate,asc": "Recently on sale",
}


def shown_query(query: EventQuery) -> dict[str, str]:
    return {"keyword": query.keyword or "", "countryCode": query.country_code,
            "classificationName": ",".join(query.classification_name), "sort": query.sort}


def typed_query(request: web.Request) -> dict[str, str]:
    """The raw values of a refused search, so the visitor can correct them (Jinja escapes them)."""
    return {name: request.query.get(name, "")[:200] for name in ("keyword", "countryCode", "classificationName",
                                                                  "sort")}
