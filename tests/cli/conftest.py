"""The CLI against the in-memory approval API stub, over real HTTP on loopback."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from click.testing import Result
from typer.testing import CliRunner

from services.cli.main import app
from services.shared.release import Release
from tests.cli.stub_api import StubApi

SHA = "0123456789abcdef0123456789abcdef01234567"
T0 = datetime(2026, 5, 1, 12, 0, 0, tzinfo=UTC)


@pytest.fixture
def stub() -> Iterator[StubApi]:
    api = StubApi().start()
    try:
        yield api
    finally:
        api.stop()


def make_release(rid: str = "r1", app: str = "demo", requested_by: str = "dev-requester") -> Release:
    return Release(id=rid, app=app, repository="https://example.org/demo.git", commit=SHA,
                   requested_by=requested_by, created_at=T0, updated_at=T0)


def cli(stub: StubApi, *args: str, token: str | None = "approver-token") -> Result:
    """Run `greenlight ARGS` in-process against the stub; wide columns so tables are not cut."""
    env = {"GREENLIGHT_URL": stub.url, "COLUMNS": "200", "GREENLIGHT_TOKEN": token or ""}
    return CliRunner().invoke(app, list(args), env=env, catch_exceptions=False)


async def greenlight(url: str, token: str, *args: str) -> Result:
    """The command in a worker thread: the service it talks to runs on this test's event loop."""
    env = {"GREENLIGHT_URL": url, "GREENLIGHT_TOKEN": token, "COLUMNS": "200"}
    return await asyncio.to_thread(CliRunner().invoke, app, list(args), env=env, catch_exceptions=False)
