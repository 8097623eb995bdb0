"""Unsigned callers cannot make the API hold GREENLIGHT_HOOKS_MAX_BODY_BYTES each at once: a hook body past
GREENLIGHT_HOOKS_SMALL_BODY_BYTES is read only in one of GREENLIGHT_HOOKS_LARGE_BODY_READS slots, and a caller finding
none is answered 503 with Retry-After before its body is read on. Before, every caller's body was read (six callers
sending 1 MiB each were all held, none answered). Small pushes, signed or not, are answered as before meanwhile, and
a slot is free again once its caller is answered."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest

from services.approval.hook_settings import HookSettings
from services.shared.settings import BusSettings
from tests.hooks.conftest import Client, github_push, hooked_api, post_github
from tests.hooks.git_daemon import Served

SMALL = 16 * 1024
SIZE = 1024 * 1024
SENT_FIRST = 2 * SMALL  # past the small size: a caller in a slot waits for the rest, the others are refused


class Caller:
    """One unsigned GitHub delivery over a raw connection, its body sent in two parts."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, chunked: bool) -> None:
        self.reader, self.writer, self.chunked = reader, writer, chunked

    def send(self, size: int, last: bool = False) -> None:
        data = b"x" * size
        self.writer.write(f"{size:x}\r\n".encode() + data + b"\r\n" if self.chunked else data)
        if self.chunked and last:
            self.writer.write(b"0\r\n\r\n")

    async def answer(self) -> tuple[int, dict[str, str]]:
        status = int((await self.reader.readline()).split()[1])
        headers = {}
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode().partition(":")
            headers[name.strip().lower()] = value.strip()
        return status, headers


@contextlib.asynccontextmanager
async def caller(api: Client, chunked: bool) -> AsyncIterator[Caller]:
    reader, writer = await asyncio.open_connection(api.host, api.port)
    length = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {SIZE}"
    writer.write(f"POST /hooks/github HTTP/1.1\r\nHost: {api.host}\r\nContent-Type: application/json\r\n"
                 f"X-GitHub-Event: push\r\nX-GitHub-Delivery: d-big\r\n{length}\r\n\r\n".encode())
    one = Caller(reader, writer, chunked)
    one.send(SENT_FIRST)
    await writer.drain()
    try:
        yield one
    finally:
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
async def test_two_large_bodies_at_a_time(bus_settings: BusSettings, hooks: HookSettings, served: Served,
                                          chunked: bool) -> None:
    bounded = hooks.model_copy(update={"small_body_bytes": SMALL, "large_body_reads": 2})
    async with hooked_api(bus_settings, bounded) as api, contextlib.AsyncExitStack() as stack:
        callers = [await stack.enter_async_context(caller(api, chunked)) for _ in range(6)]
        answers = {asyncio.create_task(c.answer()): c for c in callers}
        try:
            refused: set[asyncio.Task[tuple[int, dict[str, str]]]] = set()
            async with asyncio.timeout(10):  # before: no caller answered, all six bodies being read
                while len(refused) < 4:
                    done, _ = await asyncio.wait(set(answers) - refused, return_when=asyncio.FIRST_COMPLETED)
                    refused |= done
            assert [(t.result()[0], t.result()[1].get("retry-after")) for t in refused] == [(503, "10")] * 4
            held = [c for t, c in answers.items() if t not in refused]
            assert len(held) == 2 and not any(t.done() for t in answers if t not in refused)
            # Meanwhile small pushes are answered as ever: unsigned 401, signed released.
            assert (await post_github(api, b'{"ref": "x"}', "d-small", secret="not-the-secret-0123"))[0] == 401
            commit = served.push("second")
            status, body = await post_github(api, github_push(served.url, commit), "d-signed")
            assert (status, body["results"][0]["outcome"]) == (202, "released")
            for one in held:  # the rest of their bodies: read, then refused for the signature
                one.send(SIZE - SENT_FIRST, last=True)
            async with asyncio.timeout(10):
                assert [(await t)[0] for t, c in answers.items() if c in held] == [401, 401]
        finally:
            for task in answers:
                task.cancel()
            await asyncio.gather(*answers, return_exceptions=True)
        # The slots are free again: a large body is read to its end.
        async with caller(api, chunked) as again, asyncio.timeout(10):
            again.send(SIZE - SENT_FIRST, last=True)
            assert (await again.answer())[0] == 401
