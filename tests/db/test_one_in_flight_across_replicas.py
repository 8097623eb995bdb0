"""One release in flight per app, enforced by the database: three API processes, sixty concurrent requests."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sys
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp

from services.shared.settings import BusSettings
from tests.approval.conftest import REPO, REQUESTER
from tests.ports import free_port as _free_port

ROOT = Path(__file__).parents[2]


@contextlib.asynccontextmanager
async def api_process(bus: BusSettings) -> AsyncIterator[str]:
    """`python -m services.approval` on a free port, with the test's broker names and database (inherited
    GREENLIGHT_DATABASE_URL); yields its URL once it is ready."""
    port = _free_port()
    env = {
        **os.environ, "AMQP_URL": bus.amqp_url.get_secret_value(), "GREENLIGHT_EXCHANGE": bus.exchange,
        "GREENLIGHT_LOG_STREAM": bus.log_stream, "GREENLIGHT_DEAD_LETTER_EXCHANGE": bus.dead_letter_exchange,
        "GREENLIGHT_DEAD_LETTER_QUEUE": bus.dead_letter_queue, "GREENLIGHT_QUEUE_PREFIX": bus.queue_prefix,
        "GREENLIGHT_API_PORT": str(port), "GREENLIGHT_API_DEV_TOKENS": "true", "GREENLIGHT_LOG_JSON": "true",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "services.approval", cwd=ROOT, env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
    assert process.stderr is not None
    try:
        async with asyncio.timeout(60):
            while True:
                line = await process.stderr.readline()
                assert line, "the API exited before it was ready"
                if line.startswith(b"{") and json.loads(line).get("event") == "serving":  # the site is bound
                    break
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        await asyncio.wait_for(process.wait(), 20)


async def test_three_api_replicas_accept_exactly_one_release_of_an_app(bus_settings: BusSettings,
                                                                       any_database: str) -> None:
    async with api_process(bus_settings) as a, api_process(bus_settings) as b, api_process(bus_settings) as c:
        async with aiohttp.ClientSession(headers=REQUESTER) as http:
            async def ask(api: str) -> tuple[int, dict[str, object]]:
                body = {"app": "race", "repository": REPO, "commit": "a" * 40}
                async with http.post(f"{api}/releases", json=body) as response:
                    return response.status, await response.json()

            answers = await asyncio.wait_for(asyncio.gather(*(ask(api) for api in [a, b, c] * 20)), 60)
            assert Counter(status for status, _ in answers) == {202: 1, 409: 59}
            winner = next(body["id"] for status, body in answers if status == 202)
            blocking = {body.get("blocking_release") for status, body in answers if status == 409}
            assert blocking == {winner}
            # Every replica reads the same answer from the one database.
            for api in (a, b, c):
                async with http.get(f"{api}/apps/race") as response:
                    assert (await response.json())["in_flight"]["id"] == winner
