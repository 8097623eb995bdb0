"""A 429 whose `Rate-Limit-Reset` or `Retry-After` is out of range was a 500, or a block for centuries.

The headers come from whatever answers on the way (Ticketmaster's quota, a spike arrest, a gateway or CDN).
A value too large for a float (`int(...) / 1000` raised OverflowError), past Python's 4,300-digit limit or
with a non-ASCII digit (`"²".isdigit()` is true, `int("²")` raises) escaped the parser: a 500 with a
traceback, and stale data was not served. A value that parses but lies far ahead (a reset in microseconds
rather than milliseconds is 55,000 years away) kept every call off until the process restarted and told
visitors to come back in billions of seconds. Ticketmaster's quotas reset at most daily: a day is the most.
"""

from __future__ import annotations

import pytest
from aiohttp import web
from conftest import FakeClock, MakeClient
from tm_stub import Responder, StubTicketmaster, fault

DAY = 86_400


def too_many(headers: dict[str, str]) -> Responder:
    async def respond(request: web.Request) -> web.Response:
        return fault(429, "Rate limit quota violation.", "policies.ratelimit.QuotaViolation", headers)

    return respond


@pytest.mark.parametrize(
    "headers",
    [
        {"Rate-Limit-Reset": "9" * 400},
        {"Retry-After": "9" * 400},
        {"Retry-After": "9" * 5000},
        {"Retry-After": "²"},
    ],
    ids=["reset-overflows", "retry-after-overflows", "retry-after-too-many-digits", "retry-after-superscript"],
)
async def test_unreadable_header_is_a_rate_limit_not_a_500(
    make_client: MakeClient, stub: StubTicketmaster, clock: FakeClock, headers: dict[str, str]
) -> None:
    client = await make_client(events_page_size=50, events_cache_ttl=60, events_stale_retry=0)
    assert (await client.get("/api/events")).status == 200
    clock.advance(61)
    stub.script.append(too_many(headers))
    stale = await client.get("/api/events")
    assert stale.status == 200, await stale.text()
    assert (await stale.json())["stale"] is True
    stub.script.append(too_many(headers))
    refused = await client.get("/api/events", params={"keyword": "nothing cached"})
    assert refused.status == 503, await refused.text()
    assert 1 <= int(refused.headers["Retry-After"]) <= DAY


async def test_a_reset_far_ahead_blocks_a_day_at_most(
    make_client: MakeClient, stub: StubTicketmaster, clock: FakeClock
) -> None:
    in_microseconds = int((clock.wall + 30) * 1_000_000)  # read as milliseconds: 55,000 years away
    stub.script.append(too_many({"Rate-Limit-Reset": str(in_microseconds)}))
    client = await make_client(events_page_size=50)
    resp = await client.get("/api/events")
    assert resp.status == 503
    assert int(resp.headers["Retry-After"]) == DAY
    clock.advance(DAY + 1)
    assert (await client.get("/api/events")).status == 200
    assert len(stub.calls) == 2
