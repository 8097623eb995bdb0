"""A spike arrest's 429 kept every call off until the daily quota's reset.

Ticketmaster's gateway answers 429 for two limits: the daily quota ("Rate limit quota violation") and the per-second
spike arrest ("Spike arrest violation", a burst). Its Rate-Limit-* headers come with every answer, and their
Rate-Limit-Reset is the quota's, hours ahead: honoured for a burst, the page showed 503 (or stale data) until then
although the API answered again a second later. A spike arrest now waits a second (or its Retry-After); the quota's
429 still waits for Rate-Limit-Reset.
"""

from __future__ import annotations

from aiohttp import web
from conftest import FakeClock, MakeClient
from tm_stub import Responder, StubTicketmaster, fault

HOURS_AHEAD = 6 * 3600


def spike_arrest(reset_epoch_ms: int) -> Responder:
    async def respond(request: web.Request) -> web.Response:
        headers = {"Rate-Limit": "5000", "Rate-Limit-Available": "4211", "Rate-Limit-Reset": str(reset_epoch_ms)}
        message = "Spike arrest violation. Allowed rate : MessageRate{messagesPerPeriod=5, periodInMicroseconds=1e6}"
        return fault(429, message, "policies.ratelimit.SpikeArrestViolation", headers)

    return respond


async def test_a_spike_arrest_waits_a_second_not_for_the_quotas_reset(
    make_client: MakeClient, stub: StubTicketmaster, clock: FakeClock
) -> None:
    stub.script.append(spike_arrest(int((clock.wall + HOURS_AHEAD) * 1000)))
    client = await make_client(events_page_size=50)
    resp = await client.get("/api/events")
    assert resp.status == 503
    assert resp.headers["Retry-After"] == "1"
    assert (await client.get("/api/events")).status == 503  # still inside the second: nothing sent
    assert len(stub.calls) == 1
    clock.advance(1.5)
    resp = await client.get("/api/events")
    assert resp.status == 200
    assert len(stub.calls) == 2
