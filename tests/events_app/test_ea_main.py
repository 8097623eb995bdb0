"""`python -m events_app`: serves on PORT, logs JSON, and drains in-flight requests on SIGTERM."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp.test_utils import unused_port
from tm_stub import API_KEY, StubTicketmaster

REPO = Path(__file__).resolve().parents[2]


class Server:
    def __init__(self, process: asyncio.subprocess.Process, port: int) -> None:
        self.process = process
        self.url = f"http://127.0.0.1:{port}"
        self.lines: list[dict[str, Any]] = []

    async def wait_for_log(self, event: str, timeout: float = 10) -> dict[str, Any]:
        async def read() -> dict[str, Any]:
            assert self.process.stdout is not None
            while line := await self.process.stdout.readline():
                entry = json.loads(line)  # every line is a JSON object
                self.lines.append(entry)
                if entry.get("event") == event:
                    return entry
            raise AssertionError(f"exited before logging {event!r}: {self.lines}")

        return await asyncio.wait_for(read(), timeout)


@asynccontextmanager
async def serve(**env: str) -> AsyncIterator[Server]:
    port = unused_port()
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("TICKETMASTER_", "APP_", "EVENTS_"))}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "events_app",
        cwd=REPO,  # run this checkout, as the image does from its WORKDIR
        env=clean | {"PORT": str(port), "HOST": "127.0.0.1"} | env,
        stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    server = Server(process, port)
    try:
        await server.wait_for_log("listening")
        yield server
    finally:
        if process.returncode is None:
            process.kill()
        await process.wait()


async def test_serves_on_port_and_stops_cleanly_on_sigterm() -> None:
    async with serve(APP_COLOR="blue", APP_VERSION="deadbee") as server:
        assert server.lines[0]["event"] == "starting" and server.lines[0]["version"] == "deadbee"
        async with aiohttp.ClientSession() as http:
            async with http.get(f"{server.url}/healthz") as resp:
                assert resp.status == 200
            async with http.get(f"{server.url}/api/events") as resp:
                body = await resp.json()
        assert (body["source"], body["colour"], body["version"]) == ("sample", "blue", "deadbee")
        server.process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(server.process.wait(), 10) == 0


async def test_sigterm_lets_an_in_flight_request_finish(stub: StubTicketmaster) -> None:
    env = {"TICKETMASTER_API_KEY": API_KEY, "TICKETMASTER_BASE_URL": stub.base_url, "SHUTDOWN_TIMEOUT": "10"}
    async with serve(**env) as server, aiohttp.ClientSession() as http:
        stub.hold = asyncio.Event()
        pending = asyncio.create_task(http.get(f"{server.url}/api/events"))
        await stub.wait_for_calls(1)
        server.process.send_signal(signal.SIGTERM)
        await server.wait_for_log("draining")
        stub.hold.set()
        resp = await asyncio.wait_for(pending, 10)
        assert resp.status == 200
        assert (await resp.json())["source"] == "ticketmaster"
        resp.release()
        assert await asyncio.wait_for(server.process.wait(), 10) == 0
    assert API_KEY not in json.dumps(server.lines)
