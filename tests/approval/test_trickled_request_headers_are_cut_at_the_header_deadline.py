"""A client that trickles a request's headers (slowloris: a byte of a header now and then, never the blank line that
ends them) no longer keeps its connection until aiohttp's keep-alive timer, armed when the connection opened and not
restarted by data (measured: closed, unanswered, at exactly the timer; 75 s under `run_app`; still open after 90 s
under aiohttp's own default of 3,630 s, which aiohttp's test server keeps): the line and headers must arrive within
GREENLIGHT_API_HEADER_READ_SECONDS, from when the connection opened for its first request, from its first byte for a
later one; else the answer is 408 naming the setting and the connection is closed. One that sent nothing is closed.
Before, the connections below stayed open. An idle keep-alive connection is not cut by it: its idle time is the
keep-alive's."""

from __future__ import annotations

import asyncio

from services.approval.settings import ApprovalSettings
from services.shared.connection_guard import CONNECTIONS
from services.shared.settings import BusSettings
from tests.approval.raw_connections import raw, served_api

DEADLINE = 2.0
MARGIN = 5.0  # a loaded machine's slack; far below any keep-alive timer


async def test_trickled_headers_are_answered_408_and_closed(bus_settings: BusSettings) -> None:
    settings = ApprovalSettings(dev_tokens=True, bus=bus_settings, header_read_seconds=DEADLINE)
    async with served_api(settings) as api, raw(api) as idle, raw(api) as silent, raw(api) as slow:
        assert await idle.get("/healthz") == (200, {"status": "ok"})  # then kept alive, idle
        slow.write(b"GET /healthz HTTP/1.1\r\nHost: api\r\nX-Slow: ")
        sending = asyncio.create_task(slow.send(b"y" * 10**6, 0.05))
        try:
            async with asyncio.timeout(DEADLINE + MARGIN):
                answering = asyncio.create_task(slow.answer())
                health = await api.get("/healthz")  # the API serves others meanwhile
                assert health.status == 200
                assert not answering.done(), "answered before the API served another caller"
                status, headers, body = await answering
                assert (status, headers["connection"], headers["content-type"]) == (
                    408, "close", "application/json; charset=utf-8")
                assert body == {
                    "error": "The request headers were not sent within GREENLIGHT_API_HEADER_READ_SECONDS (2 s)."}
                assert await slow.closed()
                assert await silent.closed()  # opened before the trickler, sent nothing: closed, no answer
        finally:
            sending.cancel()
            await asyncio.gather(sending, return_exceptions=True)
        # Idle since before the trickler began, longer than the deadline: still open and served.
        assert await idle.get("/healthz") == (200, {"status": "ok"})
        assert api.server.app[CONNECTIONS].closed["head_deadline"] == 2
        scraped = await (await api.get("/metrics")).text()
        assert 'greenlight_http_connections_closed_total{reason="head_deadline"} 2.0' in scraped


async def test_a_later_request_trickled_on_a_kept_alive_connection_is_cut(bus_settings: BusSettings) -> None:
    """The deadline of a kept-alive connection's next head starts with its first byte."""
    settings = ApprovalSettings(dev_tokens=True, bus=bus_settings, header_read_seconds=DEADLINE)
    async with served_api(settings) as api, raw(api) as slow:
        assert await slow.get("/healthz") == (200, {"status": "ok"})
        slow.write(b"GET /healthz HTTP/1.1\r\nHost: api\r\nX-Slow: ")
        sending = asyncio.create_task(slow.send(b"y" * 10**6, 0.05))
        try:
            async with asyncio.timeout(DEADLINE + MARGIN):
                assert (await slow.answer())[0] == 408
                assert await slow.closed()
        finally:
            sending.cancel()
            await asyncio.gather(sending, return_exceptions=True)
