"""An HTTP proxy stub on 127.0.0.1 that records each connection made to it and answers 502: whether git went through
a proxy is then a fact the test reads, not one it infers from a failure."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field


@dataclass
class ProxyStub:
    url: str = ""
    requests: list[bytes] = field(default_factory=list)  # each request's first line: CONNECT host:port, GET url
    contacted: asyncio.Event = field(default_factory=asyncio.Event)


@contextlib.asynccontextmanager
async def proxy_stub() -> AsyncIterator[ProxyStub]:
    stub = ProxyStub()

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        stub.contacted.set()
        with contextlib.suppress(OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            stub.requests.append((await reader.readuntil(b"\r\n")).strip())
            writer.write(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            await writer.drain()
        writer.close()

    # Bound here, in this process, at once: port 0 cannot be taken by another test between pick and bind.
    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    stub.url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    async with server:
        yield stub
