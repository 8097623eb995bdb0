"""The real approval service (real broker, a SQLite read model of the test's own) served for the CLI's commands,
and a way to run a command against it with something on stdin."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from aiohttp import web
from structlog.testing import capture_logs
from typer.testing import CliRunner, Result

from services.approval.app import create_app
from services.approval.policy_rearm import TIMER_REARM
from services.approval.settings import ApprovalSettings
from services.cli.main import app as cli_app
from services.shared.settings import BusSettings

RECEIVER = "https://hooks.example.com/greenlight"  # a public name: the API looks up no DNS to accept it
SECRET = "a-receivers-secret-of-32-letters"


@dataclass
class RealApi:
    url: str
    app: web.Application


@pytest.fixture(name="real_api")  # imported by the tests that use it as `served_api`
async def served_api(bus_settings: BusSettings) -> AsyncIterator[RealApi]:
    async with serving(bus_settings) as api:
        yield api


@contextlib.asynccontextmanager
async def serving(bus_settings: BusSettings) -> AsyncIterator[RealApi]:
    """The service on a free loopback port, its read model GREENLIGHT_DATABASE_URL's."""
    app = create_app(ApprovalSettings(dev_tokens=True, bus=bus_settings))
    runner = web.AppRunner(app, shutdown_timeout=5.0)
    await runner.setup()
    try:
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        # The service logs the end of its background re-arm to whatever sys.stdout is then: while a command runs,
        # that is the CliRunner's capture, and `-o json` would read a log line ahead of the JSON.
        async with asyncio.timeout(30):
            await app[TIMER_REARM].done.wait()
        # Its request logs too ("subscription enabled"): kept out of the output a test reads.
        with capture_logs():
            yield RealApi(f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}",  # type: ignore[union-attr]
                          app)
    finally:
        await runner.cleanup()


async def run(api: RealApi, *args: str, token: str = "admin-token", stdin: str | None = None) -> Result:
    """`greenlight ARGS` in a worker thread (the API runs on this test's loop), `stdin` piped in."""
    env = {"GREENLIGHT_URL": api.url, "GREENLIGHT_TOKEN": token, "COLUMNS": "200"}

    def invoke() -> Result:
        return CliRunner().invoke(cli_app, list(args), input=stdin, env=env, catch_exceptions=False)

    return await asyncio.to_thread(invoke)
