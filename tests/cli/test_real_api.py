"""The CLI against the real approval service (real broker, real read model), not the stub: who am I,
a wrong token, a missing role and an app's status read as the CLI promises."""

from __future__ import annotations

import json

import pytest

from tests.cli.conftest import greenlight
from tests.cli.real_api import RealApi, served_api  # noqa: F401 - the real_api fixture


@pytest.fixture
def api_url(real_api: RealApi) -> str:
    return real_api.url


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
