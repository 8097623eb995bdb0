"""A TCP relay on a fixed loopback port in front of a real registry: "down" until it opens."""

from __future__ import annotations

import asyncio
import contextlib


class Relay:
    """A TCP relay on a fixed loopback port to a real registry: the registry is "down" until opened.
    `host` may be "::1" (an IPv6 front to an IPv4 registry); while `dropping`, each connection is accepted
    and closed at once, unanswered (a peer cutting connections: `dropped` is set at the first)."""

    def __init__(self, port: int, target: tuple[str, int], host: str = "127.0.0.1") -> None:
        self.port = port
        self.target = target
        self.host = host
        self.dropping = False
        self.dropped = asyncio.Event()
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    async def open(self) -> None:
        self._server = await asyncio.start_server(self._accept, self.host, self.port)

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.dropping:
            self.dropped.set()
            writer.close()
            return
        up_reader, up_writer = await asyncio.open_connection(*self.target)
        for src, dst in ((reader, up_writer), (up_reader, writer)):
            task = asyncio.create_task(self._pipe(src, dst))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    @staticmethod
    async def _pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError, asyncio.IncompleteReadError):
            while data := await src.read(65536):
                dst.write(data)
                await dst.drain()
        with contextlib.suppress(OSError):
            dst.close()
