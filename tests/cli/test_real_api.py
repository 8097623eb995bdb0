"""The CLI against the real approval service (real broker, real read model), not the stub: who am I,
a wrong token, a missing role and an app's status read as the CLI promises."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import pytest
from aiohttp import web

from services.approval.app import create_app
from services.approval.policy_rearm import TIMER_REARM
from services.approval.settings import ApprovalSettings
from services.shared.settings import BusSettings
from tests.cli.conftest import greenlight


@pytest.fixture
async def api_url(bus_settings: BusSettings) -> AsyncIterator[str]:
    app = create_app(ApprovalSettings(dev_tokens=True, bus=bus_settings))
    runner = web.AppRunner(app, shutdown_timeout=5.0)
    await runner.setup()
    try:
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        # The service logs the end of its background re-arm to whatever sys.stdout is then: while a command
        # runs, that is the CliRunner's capture, and `-o json` would read a log line ahead of the JSON.
        async with asyncio.timeout(30):
            await app[TIMER_REARM].done.wait()
        yield f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"  # type: ignore[union-attr]
    finally:
        await runner.cleanup()


async def test_the_cli_reads_the_real_api(api_url: str) -> None:
    me = await greenlight(api_url, "approver-token", "whoami", "-o", "json")
    assert me.exit_code == 0, me.output
    answer = json.loads(me.stdout)
    assert answer["name"] == "dev-approver" and "approve_release" in answer["may"]

    wrong = await greenlight(api_url, "stale-token", "release", "list")
    assert wrong.exit_code == 1
    assert wrong.stderr == (f"error: {api_url} did not accept the token in GREENLIGHT_TOKEN: check that it is "
                            "complete, not revoked, and issued for this Greenlight (GREENLIGHT_URL)\n")

    denied = await greenlight(api_url, "requester-token", "rollback", "demo", "--reason", "bad")
    assert denied.exit_code == 1
    assert denied.stderr == ("error: This needs the approver role, which dev-requester does not have; use a token "
                             "with that role, or ask someone who has it\n")

    status = await greenlight(api_url, "requester-token", "status", "demo")
    assert status.exit_code == 0, status.output
    assert status.stdout.splitlines()[0] == "app demo  live colour: none (nothing released yet)"
