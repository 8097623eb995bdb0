"""A service whose database is missing or misconfigured exits with one line naming the setting, no secret."""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from services.shared.db.migrate import open_migrated
from services.shared.db.schema import projection
from services.shared.db.settings import DatabaseSettings
from services.shared.settings import BusSettings
from tests.ports import free_port as _closed_port  # nothing listens there

ROOT = Path(__file__).parents[2]


UNREACHABLE = ("postgresql+asyncpg://greenlight:pa55word@127.0.0.1:{port}/gl", "cannot use the database at "
               "GREENLIGHT_DATABASE_URL=postgresql+asyncpg://greenlight:***@127.0.0.1:{port}/gl")
SYNC_DRIVER = ("postgresql://greenlight:pa55word@127.0.0.1:{port}/gl", "GREENLIGHT_DATABASE_URL is not a database URL")
NOT_A_URL = ("not a url pa55word", "GREENLIGHT_DATABASE_URL is not a database URL")


# Every reader of the database, and every kind of wrong URL on one of them (each case is a process start).
@pytest.mark.parametrize(("service", "url", "says"), [
    ("approval", *UNREACHABLE), ("approval", *SYNC_DRIVER), ("approval", *NOT_A_URL),
    ("switcher", *UNREACHABLE), ("notifier", *UNREACHABLE),
])
async def test_an_unusable_database_is_one_line_naming_the_setting(service: str, url: str, says: str,
                                                                   amqp_url: str) -> None:
    port = _closed_port()
    env = {**os.environ, "AMQP_URL": amqp_url, "GREENLIGHT_DATABASE_URL": url.format(port=port),
           "GREENLIGHT_LOG_JSON": "true", "GREENLIGHT_API_PORT": str(_closed_port()),
           "GREENLIGHT_SWITCHER_PORT": str(_closed_port()), "GREENLIGHT_NOTIFIER_PORT": str(_closed_port()),
           "GREENLIGHT_PLATFORM": "local"}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", f"services.{service}", cwd=ROOT, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 1
    last = err.decode().strip().splitlines()[-1]
    assert last.startswith("greenlight: ") and says.format(port=port) in last, err.decode()
    assert "GREENLIGHT_DATABASE_URL" in last and "Traceback" not in err.decode()
    assert b"pa55word" not in out + err


async def test_a_database_of_another_release_log_is_one_line_naming_both_settings(
        tmp_path: Path, amqp_url: str, bus_settings: BusSettings) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/other.db"
    engine = await open_migrated(DatabaseSettings(GREENLIGHT_DATABASE_URL=url))  # type: ignore[call-arg]
    try:
        async with engine.begin() as connection:
            await connection.execute(projection.insert().values(stream="another.log", log_offset=41,
                                                                updated_at=datetime.now(UTC)))
    finally:
        await engine.dispose()
    env = {**os.environ, "AMQP_URL": amqp_url, "GREENLIGHT_DATABASE_URL": url, "GREENLIGHT_LOG_JSON": "true",
           "GREENLIGHT_API_PORT": str(_closed_port()), "GREENLIGHT_LOG_STREAM": bus_settings.log_stream,
           "GREENLIGHT_EXCHANGE": bus_settings.exchange, "GREENLIGHT_QUEUE_PREFIX": bus_settings.queue_prefix,
           "GREENLIGHT_DEAD_LETTER_EXCHANGE": bus_settings.dead_letter_exchange,
           "GREENLIGHT_DEAD_LETTER_QUEUE": bus_settings.dead_letter_queue}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "services.approval", cwd=ROOT, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    _, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 1, err.decode()
    last = err.decode().strip().splitlines()[-1]
    assert last.startswith("greenlight: ") and "'another.log'" in last, err.decode()
    assert "GREENLIGHT_DATABASE_URL" in last and f"GREENLIGHT_LOG_STREAM='{bus_settings.log_stream}'" in last
    assert "Traceback" not in err.decode()
