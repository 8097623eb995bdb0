"""The API key never reaches a log line (or a response), whatever happens upstream."""

from __future__ import annotations

import asyncio
import logging

import pytest
from conftest import FakeClock, MakeClient
from structlog.testing import capture_logs
from tm_stub import API_KEY, StubTicketmaster, rate_limited, raw


async def test_key_is_absent_from_logs_in_every_outcome(
    make_client: MakeClient, stub: StubTicketmaster, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    bodies: list[str] = []
    with capture_logs() as logs:
        client = await make_client(events_page_size=10, ticketmaster_timeout=0.2, log_level="DEBUG")
        for path in ("/api/events", "/", "/readyz", "/metrics"):
            bodies.append(await (await client.get(path)).text())
        for responder in (raw("", 500), raw("{bad json"), rate_limited(0)):
            clock.advance(61)
            stub.script.append(responder)
            bodies.append(await (await client.get("/api/events", params={"keyword": "x"})).text())
        clock.advance(61)
        stub.hold = asyncio.Event()
        bodies.append(await (await client.get("/api/events", params={"keyword": "slow"})).text())
        stub.hold.set()
        unreachable = await make_client(ticketmaster_base_url="http://127.0.0.1:9/discovery/v2")
        bodies.append(await (await unreachable.get("/api/events")).text())
        wrong = await make_client(ticketmaster_api_key="wrong-key-31337")
        bodies.append(await (await wrong.get("/api/events")).text())

    reasons = {entry.get("reason") for entry in logs if entry["event"] == "upstream_failed"}
    assert reasons >= {"http_status", "malformed", "rate_limited", "timeout", "connection", "invalid_key"}
    everything = repr(logs) + caplog.text + "".join(bodies)
    assert API_KEY not in everything
    assert "wrong-key-31337" not in everything
    assert "apikey" not in everything


async def test_logged_url_keeps_the_useful_parameters(make_client: MakeClient) -> None:
    with capture_logs() as logs:
        client = await make_client(events_page_size=50, log_level="DEBUG")
        await client.get("/api/events", params={"keyword": "Event"})
    urls = [entry["url"] for entry in logs if entry["event"] == "upstream_page"]
    assert urls and "keyword=Event" in urls[0] and "page=0" in urls[0] and "size=50" in urls[0]
    assert API_KEY not in urls[0]
