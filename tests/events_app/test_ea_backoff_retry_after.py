"""A 429 that says when to come back with `Retry-After` (and no Rate-Limit-Reset) was retried after 5 s.

Ticketmaster's quota answers carry `Rate-Limit-Reset` (epoch ms), which the client honours; a 429 from
anything else on the way (a spike arrest, a CDN or gateway in front of the API) says it with the standard
`Retry-After`, which was ignored: the client paused the default 5 s, called again inside the window it had
been told to keep off (each call another 429, and a gateway that counts them extends the block), and told
its own visitors `Retry-After: 5`. Both forms of the header (seconds, HTTP date) are honoured now.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import format_datetime

import pytest
from aiohttp import web
from conftest import FakeClock, MakeClient
from tm_stub import Responder, StubTicketmaster, fault


def too_many(retry_after: str) -> Responder:
    async def respond(request: web.Request) -> web.Response:
        return fault(429, "Spike arrest violation.", "policies.ratelimit.SpikeArrestViolation",
                     {"Retry-After": retry_after})

    return respond


@pytest.mark.parametrize("form", ["seconds", "http-date"])
async def test_retry_after_is_waited_out(
    make_client: MakeClient, stub: StubTicketmaster, clock: FakeClock, form: str
) -> None:
    when = format_datetime(datetime.fromtimestamp(clock.wall + 60, UTC), usegmt=True)
    stub.script.append(too_many("60" if form == "seconds" else when))
    client = await make_client(events_page_size=50)
    resp = await client.get("/api/events")
    assert resp.status == 503
    assert resp.headers["Retry-After"] == "60"
    clock.advance(30)  # well past the 5 s default, inside what the upstream asked for
    assert (await client.get("/api/events")).status == 503
    assert len(stub.calls) == 1
    clock.advance(31)
    assert (await client.get("/api/events")).status == 200
    assert len(stub.calls) == 2
