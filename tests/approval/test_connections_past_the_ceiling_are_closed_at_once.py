"""At GREENLIGHT_API_MAX_CONNECTIONS the oldest idle keep-alive connection is closed for a new one, and with none
idle the new one is closed at once; the connections already open keep working, and each closing is counted
(`greenlight_http_connections_closed_total`). Before, any number was accepted, until the process ran out of files."""

from __future__ import annotations

import asyncio

from services.approval.settings import ApprovalSettings
from services.shared.connection_guard import CONNECTIONS
from services.shared.settings import BusSettings
from tests.approval.raw_connections import raw, served_api

HEAD = b"GET /healthz HTTP/1.1\r\nHost: api\r\n"


async def test_an_idle_connection_goes_first_then_new_ones_are_refused(bus_settings: BusSettings) -> None:
    settings = ApprovalSettings(dev_tokens=True, bus=bus_settings, max_connections=2, sse_max_streams=1)
    async with served_api(settings) as api, raw(api) as idle, raw(api) as busy:
        assert await idle.get("/healthz") == (200, {"status": "ok"})  # kept alive, idle
        busy.write(HEAD)  # half a head: not idle
        async with raw(api) as newer:
            async with asyncio.timeout(10):
                assert await idle.closed()  # let go for the new connection
            newer.write(HEAD)  # now neither open one is idle
            async with raw(api) as refused:
                async with asyncio.timeout(10):
                    assert await refused.closed()  # at once, not after any deadline
            for connection in (busy, newer):  # the open ones are served as before
                connection.write(b"\r\n")
                status, _, _ = await asyncio.wait_for(connection.answer(), 10)
                assert status == 200
        counts = api.server.app[CONNECTIONS].closed
        assert (counts["idle_let_go"], counts["refused"]) == (1, 1)
        scraped = await (await api.get("/metrics")).text()  # `newer` went: room for the scrape's connection
        assert 'greenlight_http_connections_closed_total{reason="refused"} 1.0' in scraped
        assert 'greenlight_http_connections_closed_total{reason="idle_let_go"} 1.0' in scraped
        assert "greenlight_http_connections 2.0" in scraped  # `busy` and the scrape's
