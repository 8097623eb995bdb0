"""A stand-in for the Discovery v2 API on loopback, built to the swagger's /events contract.

It checks the API key, validates `sort` with the swagger's pattern, refuses deep pages as the
real API does (size * page must stay under 1000), filters by countryCode / keyword /
classificationName, and answers in HAL form (`_embedded.events`, `_links`, `page`).
Tests steer failures with `script` (one-shot responses) and `hold` (answer only when released).
"""

from __future__ import annotations

import asyncio
import re
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer
from multidict import MultiMapping
from tm_fixtures import fixture_events, venue_country

API_KEY = "stub-secret-key-7f3a9c"
EVENTS_PATH = "/discovery/v2/events.json"
SORT_PATTERN = re.compile(
    r"((name|date|relevance|name,date|date,name),(asc|desc))|(distance,asc)|(onSaleStartDate,asc)|(id,asc)"
)
Responder = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True)
class Call:
    at: float  # loop.time() when the request arrived
    params: MultiMapping[str]


def fault(status: int, message: str, errorcode: str, headers: dict[str, str] | None = None) -> web.Response:
    """The Apigee-style error body the real API sends for key and quota problems."""
    body = {"fault": {"faultstring": message, "detail": {"errorcode": errorcode}}}
    return web.json_response(body, status=status, headers=headers)


def rate_limited(reset_epoch_ms: int) -> Responder:
    async def respond(request: web.Request) -> web.Response:
        headers = {"Rate-Limit": "5000", "Rate-Limit-Available": "0", "Rate-Limit-Reset": str(reset_epoch_ms)}
        message = "Rate limit quota violation. Quota limit exceeded."
        return fault(429, message, "policies.ratelimit.QuotaViolation", headers)

    return respond


def invalid_key() -> Responder:
    async def respond(request: web.Request) -> web.Response:
        return fault(401, "Invalid ApiKey", "oauth.v2.InvalidApiKey")

    return respond


def raw(body: str | bytes, status: int = 200, content_type: str = "application/json") -> Responder:
    async def respond(request: web.Request) -> web.Response:
        return web.Response(body=body, status=status, content_type=content_type)

    return respond


class StubTicketmaster:
    def __init__(self, events: list[dict[str, Any]] | None = None) -> None:
        self.events = fixture_events() if events is None else events
        self.calls: list[Call] = []
        self.script: deque[Responder] = deque()  # consumed one per call, before normal handling
        self.always: Responder | None = None  # used for every call while set
        self.hold: asyncio.Event | None = None  # calls wait here until it is set
        self._arrived = asyncio.Condition()
        app = web.Application()
        app.router.add_get(EVENTS_PATH, self._events)
        self.server = TestServer(app, host="127.0.0.1")

    @property
    def base_url(self) -> str:
        return str(self.server.make_url("/discovery/v2"))

    async def start(self) -> None:
        # No access log: it would be Ticketmaster's log, not ours, and it shows the key in full.
        await self.server.start_server(access_log=None)

    async def close(self) -> None:
        if self.hold is not None:
            self.hold.set()
        await self.server.close()

    async def wait_for_calls(self, count: int, timeout: float = 5.0) -> None:
        async with asyncio.timeout(timeout), self._arrived:  # not wait_for: services/shared/timeouts.py
            await self._arrived.wait_for(lambda: len(self.calls) >= count)

    async def _events(self, request: web.Request) -> web.StreamResponse:
        async with self._arrived:
            self.calls.append(Call(asyncio.get_running_loop().time(), request.query))
            self._arrived.notify_all()
        if self.hold is not None:
            await self.hold.wait()
        if self.script:
            return await self.script.popleft()(request)
        if self.always is not None:
            return await self.always(request)
        return self.search(request.query)

    def search(self, query: MultiMapping[str]) -> web.Response:
        if query.get("apikey") != API_KEY:
            return fault(401, "Invalid ApiKey", "oauth.v2.InvalidApiKey")  # what invalid_key() sends
        sort = query.get("sort", "relevance,desc")
        if not SORT_PATTERN.fullmatch(sort):
            return self._error(400, "DIS1016", f"Invalid value for sort: {sort}")
        page, size = int(query.get("page", "0")), int(query.get("size", "20"))
        if page * size >= 1000:
            detail = "API Limits Exceeded: Max paging depth exceeded. (page * size) must be less than 1,000"
            return self._error(400, "DIS1035", detail)
        found = [event for event in self.events if self._matches(event, query)]
        if sort.startswith("name"):
            found.sort(key=lambda event: event["name"], reverse=sort.endswith("desc"))
        total_pages = -(-len(found) // size)
        body: dict[str, Any] = {
            "_links": {"self": {"href": f"{EVENTS_PATH}?page={page}&size={size}"}},
            "page": {"size": size, "totalElements": len(found), "totalPages": total_pages, "number": page},
        }
        chunk = found[page * size : (page + 1) * size]
        if chunk:  # the real API leaves `_embedded` out entirely when nothing matches
            body["_embedded"] = {"events": chunk}
        if page + 1 < total_pages:
            body["_links"]["next"] = {"href": f"{EVENTS_PATH}?page={page + 1}&size={size}"}
        return web.json_response(body)

    @staticmethod
    def _matches(event: dict[str, Any], query: MultiMapping[str]) -> bool:
        # Venue-less events pass the country filter so that their rendering stays testable.
        country = query.get("countryCode")
        if country and venue_country(event) not in (None, country):
            return False
        keyword = query.get("keyword")
        if keyword and keyword.casefold() not in event["name"].casefold():
            return False
        values = query.getall("classificationName", [])
        wanted = {name.casefold() for value in values for name in value.split(",")}
        segments = {c["segment"]["name"].casefold() for c in event.get("classifications", [])}
        return not wanted or bool(wanted & segments)

    @staticmethod
    def _error(status: int, code: str, detail: str) -> web.Response:
        body = {"errors": [{"code": code, "detail": detail, "status": str(status), "_links": {}}]}
        return web.json_response(body, status=status)
