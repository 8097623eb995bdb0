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


FIELD_LABELS = {"countryCode": "Country", "sort": "Sort", "keyword": "Keyword", "classificationName": "Category"}
# What a visitor reads about a refused field; /api/events keeps the validator's exact messages for programs.
FIELD_HELP: dict[str, str] = {
    "countryCode": "use a two-letter country code, such as US, GB, CA or NZ",
    "sort": "choose one of the listed orders",
    "keyword": "use at most 200 characters",
    "classificationName": "use at most 10 categories of at most 100 characters each",
}


def form_errors(fields: dict[str, list[str]]) -> dict[str, str]:
    return {name: FIELD_HELP.get(name, "; ".join(messages)) for name, messages in fields.items()}
