"""The API served as `run` serves it (services/shared/serving.py: its connection limits) and raw connections to it:
what aiohttp's test client cannot do (send half a head, hold a connection idle, see it closed)."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from services.approval.app import create_app
from services.approval.settings import ApprovalSettings
from services.shared.serving import GuardedRunner
from tests.approval.fakes import FakeResolver

Client = TestClient[web.Request, web.Application]


class ServedAsRun(TestServer):
    async def _make_runner(self, **kwargs: Any) -> web.AppRunner:
        return GuardedRunner(self.app, **kwargs)


@contextlib.asynccontextmanager
async def served_api(settings: ApprovalSettings) -> AsyncIterator[Client]:
    server = ServedAsRun(create_app(settings, resolver=FakeResolver()), host="127.0.0.1")
    await server.start_server(access_log=None)
    client = TestClient(server)
    try:
        yield client
    finally:
        await client.close()


class Raw:
    """One connection, written and read by hand."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    def send(self, data: bytes) -> None:
        self.writer.write(data)

    async def trickle(self, data: bytes, every: float) -> None:
        """`data` a byte every `every` seconds; a server that closed the connection ends it."""
        with contextlib.suppress(ConnectionError):
            for byte in data:
                self.writer.write(bytes([byte]))
                await self.writer.drain()
                await asyncio.sleep(every)

    async def answer(self) -> tuple[int, dict[str, str], bytes]:
        status = int((await self.reader.readline()).split()[1])
        headers = {}
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode().partition(":")
            headers[name.strip().lower()] = value.strip()
        return status, headers, await self.reader.readexactly(int(headers["content-length"]))

    async def get(self, path: str) -> tuple[int, Any]:
        self.send(f"GET {path} HTTP/1.1\r\nHost: api\r\n\r\n".encode())
        status, _, body = await self.answer()
        return status, json.loads(body)

    async def closed(self) -> bool:
        """Whether the server closed the connection (nothing more comes)."""
        try:
            return await self.reader.read(1) == b""
        except ConnectionError:
            return True


@contextlib.asynccontextmanager
async def raw(api: Client) -> AsyncIterator[Raw]:
    reader, writer = await asyncio.open_connection(api.host, api.port)
    try:
        yield Raw(reader, writer)
    finally:
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()
