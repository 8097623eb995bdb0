"""GREENLIGHT_API_MAX_CONNECTIONS must fit the process's open-files limit (RLIMIT_NOFILE): past the hard limit the
API stops at start with one line naming the setting, before it connects to anything; under it, a soft limit too low
is raised to fit. Before, the setting did not exist: the API accepted connections until accept() failed for want of
files (asyncio then stops accepting for a second at a time)."""

from __future__ import annotations

import asyncio
import json
import os
import resource
import sys
from pathlib import Path

from services.shared.settings import BusSettings
from tests.ports import free_port

ROOT = Path(__file__).parents[2]


def api_environment(bus_settings: BusSettings, max_connections: int, database: Path) -> dict[str, str]:
    return {
        **os.environ, "AMQP_URL": bus_settings.amqp_url.get_secret_value(),
        "GREENLIGHT_EXCHANGE": bus_settings.exchange, "GREENLIGHT_LOG_STREAM": bus_settings.log_stream,
        "GREENLIGHT_DEAD_LETTER_EXCHANGE": bus_settings.dead_letter_exchange,
        "GREENLIGHT_DEAD_LETTER_QUEUE": bus_settings.dead_letter_queue,
        "GREENLIGHT_QUEUE_PREFIX": bus_settings.queue_prefix, "GREENLIGHT_LOG_JSON": "true",
        "GREENLIGHT_API_PORT": str(free_port()), "GREENLIGHT_API_MAX_CONNECTIONS": str(max_connections),
        "GREENLIGHT_DATABASE_URL": f"sqlite+aiosqlite:///{database}",  # the test's own, not the checkout's .local/
    }


async def start_api(bus_settings: BusSettings, tmp_path: Path, max_connections: int, soft: int,
                    hard: int) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "services.approval", cwd=ROOT,
        env=api_environment(bus_settings, max_connections, tmp_path / "greenlight.db"),
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
        preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard)))


async def test_a_ceiling_past_the_hard_limit_stops_the_start(bus_settings: BusSettings, tmp_path: Path) -> None:
    process = await start_api(bus_settings, tmp_path, 1000, 256, 512)
    assert process.stderr is not None
    try:
        async with asyncio.timeout(30):
            errors = (await process.stderr.read()).decode().splitlines()
            assert await process.wait() == 1
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert errors[-1] == (
        "greenlight: GREENLIGHT_API_MAX_CONNECTIONS=1000 needs 1064 open files (64 besides connections), above this "
        "process's limit of 512 (RLIMIT_NOFILE): lower the setting or raise the limit")
    assert not any("connected to broker" in line for line in errors)


async def test_a_soft_limit_too_low_is_raised_to_fit(bus_settings: BusSettings, tmp_path: Path) -> None:
    process = await start_api(bus_settings, tmp_path, 1000, 256, 4096)
    assert process.stderr is not None
    try:
        async with asyncio.timeout(30):
            while True:
                line = await process.stderr.readline()
                assert line, "the API exited before it raised the limit"
                if (entry := json.loads(line)).get("event") == "raised the open-files limit":
                    break
        assert (entry["soft_from"], entry["soft_to"]) == (256, 1064)
    finally:
        process.kill()
        await process.wait()
