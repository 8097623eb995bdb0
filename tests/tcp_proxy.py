"""A TCP proxy between a client and a dependency (the broker, PostgreSQL) whose connections a test can cut, that a
test can take away for a while as if the dependency had stopped, or freeze as if the network dropped every packet."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from urllib.parse import urlparse

from pydantic import SecretStr

from services.shared.settings import BusSettings
from tests.ports import free_port


class TcpProxy:
    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._flowing = asyncio.Event()
        self._flowing.set()
        # Below the ephemeral range (tests/ports.py): away, the port is free, and bind(0) or an outgoing connection
        # of another test process could take it meanwhile; `back` would then fail or the clients reach a stranger.
        self.port = free_port()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", self.port, reuse_address=True)
        self.port = self._server.sockets[0].getsockname()[1]

    async def away(self) -> None:
        """As a stopped server: open connections reset, new ones refused, until `back`."""
        if self._server is not None:
            self._server.close()
            self._server = None
        await self.cut()

    async def back(self) -> None:
        """Listen again on the same port."""
        await self.start()

    def freeze(self) -> None:
        """As a network that drops every packet: connections stay open and new ones are accepted, but no byte goes
        either way, and nobody is told, until `thaw`."""
        self._flowing.clear()

    def thaw(self) -> None:
        self._flowing.set()

    async def cut(self) -> None:
        """Drop every open connection, as a network failure would; new ones are accepted."""
        for writer in list(self._writers):
            writer.transport.abort()
        self._writers.clear()

    async def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.close()
        await self.cut()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if server is not None:
            await server.wait_closed()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.transport.abort()
            return
        self._writers.update({writer, up_writer})
        for src, dst in ((reader, up_writer), (up_reader, writer)):
            task = asyncio.create_task(self._pipe(src, dst))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _pipe(self, src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError, asyncio.IncompleteReadError):
            while data := await src.read(65536):
                await self._flowing.wait()
                dst.write(data)
                await dst.drain()
        dst.transport.abort()
        self._writers.discard(dst)


@contextlib.asynccontextmanager
async def proxied(settings: BusSettings, heartbeat: int | None = None,
                  ) -> AsyncIterator[tuple[TcpProxy, BusSettings]]:
    """A proxy in front of the broker and settings that reach it through the proxy, reconnecting quickly; with
    `heartbeat` (seconds), a frozen connection is found stuck within a few of them instead of minutes."""
    url = urlparse(settings.amqp_urls()[0])
    proxy = TcpProxy(url.hostname or "127.0.0.1", url.port or 5672)
    await proxy.start()
    query = "reconnect_interval=0.2" + (f"&heartbeat={heartbeat}" if heartbeat else "")
    try:
        yield proxy, settings.model_copy(update={"amqp_url": SecretStr(
            f"amqp://{url.username}:{url.password}@127.0.0.1:{proxy.port}/?{query}")})
    finally:
        proxy.thaw()
        await proxy.stop()
