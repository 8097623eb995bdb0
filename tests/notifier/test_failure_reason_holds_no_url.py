"""A failed delivery's recorded reason (`/deliveries`' `last_error`) and the notifier's log lines never hold the
subscriber's URL, whose path may be its token (Discord's `/api/webhooks/<id>/<token>`, Mattermost's `/hooks/<key>`):
a status (`HTTP 500`) or the exception's class, never its text. aiohttp's ClientResponseError says
`url='https://…/<token>'`; here a receiver that answers no HTTP at all draws one."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter
from collections.abc import AsyncIterator

import pytest
from structlog.testing import capture_logs

from services.notifier.records import Status
from services.shared.settings import BusSettings
from services.shared.timeouts import bounded
from tests.notifier.conftest import records_of, rig, walk
from tests.notifier.receiver import Receiver

DISCORD_TOKEN = "kQ3v-Zr9pT2wXb7LmN4cHs8dJf6gYa1eRu5oIi0qWtEyUxVnBcMzAlSkPjOhGf"
MATTERMOST_KEY = "xbcd1234efgh5678ijkl9012mn"
GARBLED = f"/api/webhooks/1187465207936274522/{DISCORD_TOKEN}"  # answered with no HTTP status line
REFUSING = f"/hooks/{MATTERMOST_KEY}"  # answered 500
RETRY_DELAYS = [0.05]


class RawReceiver:
    """Reads each request whole, then answers by its path; counts the requests per path."""

    def __init__(self) -> None:
        self.seen: Counter[str] = Counter()
        self._changed = asyncio.Event()

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
        path = head.split(" ", 2)[1]
        length = next((int(line.split(":", 1)[1]) for line in head.split("\r\n")
                       if line.lower().startswith("content-length:")), 0)
        await reader.readexactly(length)
        writer.write(b"NOT HTTP AT ALL\r\n\r\n" if path == GARBLED else
                     b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        await writer.drain()
        writer.close()
        self.seen[path] += 1
        self._changed.set()

    async def wait(self, count: int) -> None:
        """Until each path was requested `count` times."""
        while not all(self.seen[p] >= count for p in (GARBLED, REFUSING)):
            self._changed.clear()
            await bounded(self._changed.wait(), 20)


@contextlib.asynccontextmanager
async def raw_receiver() -> AsyncIterator[tuple[RawReceiver, str]]:
    receiver = RawReceiver()
    server = await asyncio.start_server(receiver.serve, "127.0.0.1", 0)
    try:
        yield receiver, f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    finally:
        server.close()
        await server.wait_closed()


async def test_a_failed_delivery_is_recorded_and_logged_without_its_url(
        bus_settings: BusSettings, postgres_url: str, receiver: Receiver,
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    requested, = walk("leak1", "demo")
    with capture_logs() as logs:
        async with raw_receiver() as (raw, base):
            subscriptions = [{"url": f"{base}{GARBLED}"}, {"url": f"{base}{REFUSING}"}]
            async with rig(bus_settings, postgres_url, receiver, subscriptions, retry_delays=RETRY_DELAYS,
                           allow=["127.0.0.1"]) as r:
                await r.publish(requested)
                await raw.wait(1 + len(RETRY_DELAYS))
    records = {rec.subscription_id: rec for rec in await records_of(postgres_url, "leak1")}
    assert {sid: (rec.status, rec.last_error) for sid, rec in records.items()} == {
        "sub-0": (Status.FAILED, "ClientResponseError"), "sub-1": (Status.FAILED, "HTTP 500")}
    logged = repr(logs) + caplog.text
    assert "delivery failed for good" in logged
    assert [t for t in (DISCORD_TOKEN, MATTERMOST_KEY, "/api/webhooks", "/hooks") if t in logged] == []
