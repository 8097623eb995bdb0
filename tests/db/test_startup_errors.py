"""A service whose database is missing or misconfigured exits with one line naming the setting, no secret."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest

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
