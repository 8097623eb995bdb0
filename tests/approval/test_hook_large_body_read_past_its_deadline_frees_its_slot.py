"""A sender that trickles a large hook body cannot keep one of GREENLIGHT_HOOKS_LARGE_BODY_READS for as long as it
keeps sending: the read of a body past GREENLIGHT_HOOKS_SMALL_BODY_BYTES is cut at GREENLIGHT_HOOKS_LARGE_BODY_SECONDS
(counted from when it took its slot), answered 408 naming the limit, and the slot serves the next caller at once.
Before, the sender below, a byte every 50 ms, held the only slot for as long as it went on (every other large
delivery answered 503), and was never answered itself."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator

import pytest

from services.approval.hook_settings import HookSettings
from services.shared.settings import BusSettings
from services.shared.signing import github_signature
from tests.hooks.conftest import GITHUB_SECRET, Client, hooked_api

SMALL = 16 * 1024
SIZE = 1024 * 1024  # what the slow sender says it will send
DEADLINE = 1.0
MARGIN = 5.0  # a loaded machine's slack: the sender never stops, so only the deadline can answer it


class RawCall:
    """One HTTP/1.1 request over a raw connection, its body written as the test chooses."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, chunked: bool) -> None:
        self.reader, self.writer, self.chunked = reader, writer, chunked

    def send(self, data: bytes) -> None:
        self.writer.write(f"{len(data):x}\r\n".encode() + data + b"\r\n" if self.chunked else data)

    def send_all(self, data: bytes) -> None:
        self.send(data)
        if self.chunked:
            self.writer.write(b"0\r\n\r\n")

    async def trickle(self) -> None:
        """A byte every 50 ms, for ever: each read of the body gets something, so only a deadline on the whole
        read ends it."""
        while True:
            self.send(b" ")
            await self.writer.drain()
            await asyncio.sleep(0.05)

    async def answer(self) -> tuple[int, dict[str, str], bytes]:
        status = int((await self.reader.readline()).split()[1])
        headers = {}
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode().partition(":")
            headers[name.strip().lower()] = value.strip()
        return status, headers, await self.reader.readexactly(int(headers["content-length"]))


@contextlib.asynccontextmanager
async def raw_call(api: Client, headers: dict[str, str], chunked: bool, length: int) -> AsyncIterator[RawCall]:
    reader, writer = await asyncio.open_connection(api.host, api.port)
    framing = {"Transfer-Encoding": "chunked"} if chunked else {"Content-Length": str(length)}
    lines = "".join(f"{k}: {v}\r\n" for k, v in {"Host": str(api.host), **headers, **framing}.items())
    writer.write(f"POST /hooks/github HTTP/1.1\r\n{lines}\r\n".encode())
    try:
        yield RawCall(reader, writer, chunked)
    finally:
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()


def large_ping() -> tuple[bytes, dict[str, str]]:
    """A signed GitHub ping past the small size: answered `pong` only once all of it is read."""
    body = json.dumps({"zen": "Keep it logically awesome.", "padding": "x" * (2 * SMALL)}).encode()
    return body, {"X-Hub-Signature-256": github_signature(GITHUB_SECRET, body), "X-GitHub-Event": "ping",
                  "X-GitHub-Delivery": "d-ping", "Content-Type": "application/json"}


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
async def test_a_trickled_large_body_is_cut_at_the_deadline_and_its_slot_serves_the_next(
        bus_settings: BusSettings, chunked: bool) -> None:
    hooks = HookSettings(github_secret=GITHUB_SECRET, small_body_bytes=SMALL, large_body_reads=1,
                         large_body_seconds=DEADLINE)
    body, headers = large_ping()
    unsigned = {"X-GitHub-Event": "push", "X-GitHub-Delivery": "d-slow", "Content-Type": "application/json"}
    async with hooked_api(bus_settings, hooks) as api, raw_call(api, unsigned, chunked, SIZE) as slow:
        slow.send(b"x" * (2 * SMALL))  # past the small size: it takes the only slot
        trickling = asyncio.create_task(slow.trickle())
        try:
            # The slot is held: a second large body is refused meanwhile, and told when to come back.
            async with asyncio.timeout(MARGIN):
                while True:  # until the slow sender holds the slot (its first part is read concurrently)
                    async with raw_call(api, headers, chunked, len(body)) as probe:
                        probe.send_all(body)
                        status, answered, _ = await probe.answer()
                    if status == 503:
                        break
                    assert status == 200
            assert answered["retry-after"] == str(int(DEADLINE))

            async with asyncio.timeout(DEADLINE + MARGIN):  # before: no answer while the sender went on
                status, answered, error = await slow.answer()
                assert (status, answered["content-type"]) == (408, "application/json; charset=utf-8")
                assert json.loads(error) == {"error": "The hook body was not sent within "
                                             "GREENLIGHT_HOOKS_LARGE_BODY_SECONDS (1 s)."}
                # The slot is free for the next caller while the slow one still sends.
                async with raw_call(api, headers, chunked, len(body)) as next_call:
                    next_call.send_all(body)
                    status, _, answer = await next_call.answer()
                assert (status, json.loads(answer)) == (200, {"results": [{"outcome": "pong"}]})
        finally:
            trickling.cancel()
            await asyncio.gather(trickling, return_exceptions=True)
