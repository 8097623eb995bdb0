"""`python -m services.approval`: configured from the environment, serves the API, stops cleanly on SIGTERM."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from pathlib import Path

import aiohttp

from services.shared.settings import BusSettings
from tests.approval.conftest import REQUESTER
from tests.ports import free_port

ROOT = Path(__file__).parents[2]


async def test_module_runs_the_api_and_exits_cleanly_on_sigterm(bus_settings: BusSettings) -> None:
    port = free_port()
    env = {
        **os.environ, "AMQP_URL": bus_settings.amqp_url.get_secret_value(),
        "GREENLIGHT_EXCHANGE": bus_settings.exchange, "GREENLIGHT_LOG_STREAM": bus_settings.log_stream,
        "GREENLIGHT_DEAD_LETTER_EXCHANGE": bus_settings.dead_letter_exchange,
        "GREENLIGHT_DEAD_LETTER_QUEUE": bus_settings.dead_letter_queue,
        "GREENLIGHT_QUEUE_PREFIX": bus_settings.queue_prefix,
        "GREENLIGHT_API_PORT": str(port), "GREENLIGHT_API_DEV_TOKENS": "true", "GREENLIGHT_LOG_JSON": "true",
        # A local repository: the default policy would look the example host up in DNS, absent here.
        "GREENLIGHT_ALLOW_LOCAL_REPOS": "true",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "services.approval", cwd=ROOT, env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )
    assert process.stderr is not None
    try:
        async with asyncio.timeout(30):
            while True:  # the log line that says the read model has caught up with the log
                line = await process.stderr.readline()
                assert line, "the service exited before it was ready"
                if json.loads(line).get("event") == "read model ready":
                    break
        async with aiohttp.ClientSession(f"http://127.0.0.1:{port}") as http:
            async with asyncio.timeout(10):
                while True:  # the log line comes just before the site binds
                    try:
                        ready = await http.get("/readyz")
                        break
                    except aiohttp.ClientConnectionError:
                        await asyncio.sleep(0.05)
            assert ready.status == 200
            created = await http.post("/releases", json={"app": "demo", "repository": str(ROOT), "commit": "a" * 40},
                                      headers=REQUESTER)
            assert created.status == 202
        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), 15) == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
