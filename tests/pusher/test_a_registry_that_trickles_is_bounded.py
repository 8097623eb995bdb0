"""`*_REGISTRY_HTTP_TIMEOUT` is "seconds one registry API call may take", but httpx applies a timeout to each read
only: a registry (or the proxy in front of it) that sent a byte now and then, each within the timeout, held the push
(and its message, past RabbitMQ's consumer_timeout) or the builder's lookup for as long as it kept trickling. Each
request to the registry is bounded as a whole, and running out is a transient registry error (retried)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator

import httpx
import pytest

from services.shared.registry.api import HttpRegistryApi
from services.shared.registry.auth import Login
from services.shared.registry.errors import TransientRegistryError

TIMEOUT = 0.5


@contextlib.asynccontextmanager
async def trickling_registry() -> AsyncIterator[str]:
    """host:port that answers every request with its status line, then one header byte every 50 ms, for ever."""
    writers: list[asyncio.StreamWriter] = []

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writers.append(writer)
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\nX-Slow: ")
        with contextlib.suppress(ConnectionError):
            while True:
                await writer.drain()
                await asyncio.sleep(0.05)
                writer.write(b"a")

    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    try:
        yield f"127.0.0.1:{server.sockets[0].getsockname()[1]}"
    finally:
        server.close()
        for writer in writers:
            writer.close()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(server.wait_closed(), 5)


async def test_every_read_of_a_trickling_registry_ends_within_its_timeout() -> None:
    async with trickling_registry() as registry, httpx.AsyncClient(timeout=TIMEOUT) as client:
        api = HttpRegistryApi(client)
        for read in (api.manifest_digest, api.config_digest, api.image_config):
            started = time.monotonic()
            with pytest.raises(TransientRegistryError, match=r"did not answer .* in 0\.5 s"):
                # The outer bound only keeps the test from hanging: the adapter's own must end it first.
                async with asyncio.timeout(10 * TIMEOUT):
                    await read(Login(registry=registry), "app", "tag")
            assert time.monotonic() - started < 5 * TIMEOUT
