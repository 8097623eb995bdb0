"""The API served as `run` serves it (services/shared/serving.py: its connection limits) and raw connections to it:
what aiohttp's test client cannot do (send half a head, hold a connection idle, see it closed)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from services.approval.app import create_app
from services.approval.settings import ApprovalSettings
from services.shared.serving import GuardedRunner
from tests.approval.fakes import FakeResolver
from tests.approval.trickled_bodies import Trickler

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


class Raw(Trickler):
    """One connection, written and read by hand: the trickle tests' client, its request written as the test likes."""

    def write(self, data: bytes) -> None:
        self.writer.write(data)

    async def get(self, path: str) -> tuple[int, Any]:
        self.write(f"GET {path} HTTP/1.1\r\nHost: api\r\n\r\n".encode())
        status, _, body = await self.answer()
        return status, body


@contextlib.asynccontextmanager
async def raw(api: Client) -> AsyncIterator[Raw]:
    reader, writer = await asyncio.open_connection(api.host, api.port)
    try:
        yield Raw(reader, writer)
    finally:
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()
