"""A client that sends a request's headers and then its body as slowly as it likes, over a raw connection: what
aiohttp's test client cannot do. The trickle tests of every route that reads a body share it."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
from collections.abc import AsyncIterator, Iterable
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient

Client = TestClient[web.Request, web.Application]
DEADLINE = 2.0  # GREENLIGHT_API_BODY_READ_SECONDS in these tests: time enough for another caller meanwhile
# A loaded machine's slack; below aiohttp's 10 s lingering, so a connection drained after the 408 is told apart.
MARGIN = 5.0


class Trickler:
    """One HTTP/1.1 request whose body is written a byte at a time for as long as the server reads it."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    async def send(self, data: Iterable[int], every: float) -> None:
        """`data` a byte every `every` seconds; a server that closed the connection ends it."""
        with contextlib.suppress(ConnectionError):
            for byte in data:
                self.writer.write(bytes([byte]))
                await self.writer.drain()
                await asyncio.sleep(every)

    async def trickle(self) -> None:
        """A space every 50 ms, for ever (JSON and a form body both allow it): each read of the body gets
        something, so only a deadline on the whole read ends it. Spaces made one at a time: the gigabyte of them
        this once built held the loop (and the GIL) while it was allocated, 4-7 s on a loaded machine, before the
        API could answer anyone (the 408 late in three clean-clone runs)."""
        await self.send(itertools.repeat(ord(" ")), 0.05)

    async def answer(self) -> tuple[int, dict[str, str], Any]:
        status = int((await self.reader.readline()).split()[1])
        headers = {}
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode().partition(":")
            headers[name.strip().lower()] = value.strip()
        return status, headers, json.loads(await self.reader.readexactly(int(headers["content-length"])))

    async def closed(self) -> bool:
        """Whether the server closed the connection (nothing more comes after the answer)."""
        try:
            return await self.reader.read(1) == b""
        except ConnectionError:  # closed while bytes of ours were still unread on its side: a reset
            return True


@contextlib.asynccontextmanager
async def trickled(api: Client, path: str, headers: dict[str, str], length: int) -> AsyncIterator[Trickler]:
    """A POST of `path` whose headers are sent at once, saying a body of `length` bytes follows."""
    reader, writer = await asyncio.open_connection(api.host, api.port)
    fields = {"Host": str(api.host), **headers, "Content-Length": str(length)}
    lines = "".join(f"{k}: {v}\r\n" for k, v in fields.items())
    writer.write(f"POST {path} HTTP/1.1\r\n{lines}\r\n".encode())
    try:
        yield Trickler(reader, writer)
    finally:
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()


async def cut_at_the_deadline(api: Client, slow: Trickler) -> dict[str, Any]:
    """The slow sender is answered 408 within the deadline and its connection closed at once, while the API answers
    another caller meanwhile; the 408's JSON body."""
    clock = asyncio.get_running_loop().time
    began, served, answered = clock(), None, False
    try:
        async with asyncio.timeout(DEADLINE + MARGIN):
            answering = asyncio.create_task(slow.answer())
            try:
                health = await api.get("/healthz")  # the API serves others while the sender trickles
                assert health.status == 200
                served = clock() - began
                assert not answering.done(), "answered before the API served another caller"
                status, headers, error = await answering
                answered = True
            finally:
                answering.cancel()
            assert (status, headers["content-type"], headers["connection"]) == (
                408, "application/json; charset=utf-8", "close")
            # Closed, not drained: aiohttp read and dropped the rest for 10 s (lingering) before.
            assert await slow.closed()
    except TimeoutError:  # say whether the loop itself was slow to serve anyone
        late = "the connection still open after the answer" if answered else "no answer"
        raise AssertionError(f"{late} within {DEADLINE + MARGIN:g} s; /healthz answered after "
                             f"{'never' if served is None else f'{served:.2f} s'}") from None
    return error


@contextlib.asynccontextmanager
async def trickling(slow: Trickler) -> AsyncIterator[None]:
    """The slow sender trickling its body for as long as the block runs."""
    sending = asyncio.create_task(slow.trickle())
    try:
        yield
    finally:
        sending.cancel()
        await asyncio.gather(sending, return_exceptions=True)
