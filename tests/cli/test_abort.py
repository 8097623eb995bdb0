"""`greenlight abort ID --reason` against the real approval API: the release fails with who and why."""

from __future__ import annotations

import asyncio

from aiohttp.test_utils import TestClient
from typer.testing import CliRunner, Result

from services.approval.settings import ApprovalSettings
from services.cli.main import app
from services.shared.protocol import ReleaseState as S
from services.shared.settings import BusSettings
from tests.approval.conftest import api_client, reach, staged_release
from tests.approval.fakes import fake_pipeline
from tests.harness import running


def greenlight(client: TestClient, *args: str, token: str = "approver-token") -> Result:  # type: ignore[type-arg]
    env = {"GREENLIGHT_URL": str(client.make_url("")).rstrip("/"), "GREENLIGHT_TOKEN": token, "COLUMNS": "200"}
    return CliRunner().invoke(app, list(args), env=env, catch_exceptions=False)


async def test_abort_prints_the_outcome_and_refuses_without_a_reason(bus_settings: BusSettings) -> None:
    settings = ApprovalSettings(dev_tokens=True, bus=bus_settings)
    async with running(fake_pipeline(bus_settings)), api_client(settings) as client:
        release_id = await staged_release(client)
        # The CLI is synchronous: it runs in a thread while this loop serves the API.
        missing = await asyncio.to_thread(greenlight, client, "abort", release_id)
        refused = await asyncio.to_thread(greenlight, client, "abort", release_id, "--reason", "x",
                                          token="requester-token")
        done = await asyncio.to_thread(greenlight, client, "abort", release_id, "--reason", "wrong branch")
        await reach(client, release_id, S.FAILED)
    assert missing.exit_code == 2 and "Missing option '--reason'" in missing.output
    assert refused.exit_code == 1 and "approver role" in refused.stderr
    assert done.exit_code == 0, done.output
    # The API runs in this process and logs to the same stdout: the CLI's line is the last one.
    last = done.stdout.splitlines()[-1]
    assert last == f"release {release_id} of demo is failed: aborted by dev-approver: wrong branch"
