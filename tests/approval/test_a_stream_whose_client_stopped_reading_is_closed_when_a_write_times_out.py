"""A stream client that stops reading (its window closed) was dropped from its stream when a write timed out
(stream_pump.SEND_TIMEOUT), but its connection stayed: the response's last write waited on the same full buffer, so
the connection, its handler and its slot under GREENLIGHT_API_MAX_CONNECTIONS lasted until the kernel gave up on the
peer (never, while it acknowledges the zero window). A write that times out now resets the connection."""

from __future__ import annotations

import asyncio
import contextlib
import select
import socket
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from services.approval import stream_pump
from services.approval.settings import ApprovalSettings
from services.approval.stream_hub import HUB
from services.shared.db.newer_rows import ShownEvent
from tests.approval.conftest import request_release
from tests.approval.raw_connections import served_api

Client = TestClient[web.Request, web.Application]
# An SSE comment ahead of each event, far more than the kernel's buffers and the transport's take: the write waits.
PADDING = b": " + b"x" * (16 << 20) + b"\n"
WITHIN = 15.0  # seconds for the close to show, on a loaded machine; SEND_TIMEOUT is set far below


@contextlib.asynccontextmanager
async def stalled_stream(api: Client) -> AsyncIterator[socket.socket]:
    """A connection streaming /events that reads the answer's head, then nothing more (a small receive window)."""
    loop = asyncio.get_running_loop()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # before connecting: it sets the window offered
    sock.setblocking(False)
    try:
        await loop.sock_connect(sock, (api.host, api.port))
        await loop.sock_sendall(sock, b"GET /events HTTP/1.1\r\nHost: api\r\n"
                                      b"Authorization: Bearer requester-token\r\n\r\n")
        head = b""
        async with asyncio.timeout(WITHIN):
            while b"\r\n\r\n" not in head:  # the stream is open: what is published from now on is sent to it
                head += await loop.sock_recv(sock, 1024)
        assert head.startswith(b"HTTP/1.1 200"), head
        yield sock
    finally:
        sock.close()


async def reset_by_the_server(sock: socket.socket, within: float) -> bool:
    """Whether the connection ends (hang-up or error) within `within` seconds, none of its data read."""
    poller = select.poll()
    poller.register(sock.fileno(), 0)  # no POLLIN: only a hang-up or an error wakes it
    return bool(await asyncio.to_thread(poller.poll, int(within * 1000)))


async def test_the_stalled_clients_connection_is_closed(settings: ApprovalSettings,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stream_pump, "SEND_TIMEOUT", 0.5)
    async with served_api(settings) as api:
        hub = api.server.app[HUB]
        encode = hub.encode

        def padded(logged: ShownEvent) -> bytes:
            return PADDING + encode(logged)

        monkeypatch.setattr(hub, "encode", padded)
        async with stalled_stream(api) as sock:
            await request_release(api)
            assert await reset_by_the_server(sock, WITHIN), "the stalled client's connection is still open"
