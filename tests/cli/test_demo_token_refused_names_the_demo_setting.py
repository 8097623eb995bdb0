"""`greenlight demo` reads its tokens from --requester-token and --approver-token (GREENLIGHT_DEMO_REQUESTER_TOKEN,
GREENLIGHT_DEMO_APPROVER_TOKEN); a refused one was said to be "the token in GREENLIGHT_TOKEN", which the demo never
reads, so a user fixed the wrong variable."""

from __future__ import annotations

import pytest
from rich.console import Console
from typer.testing import CliRunner

from services.cli.client import ApiError, GreenlightClient
from services.cli.demo_follow import _ask_approval
from services.cli.main import app
from tests.cli.conftest import make_release
from tests.cli.stub_api import StubApi, release_out


def test_a_refused_requester_token_names_the_demos_setting(stub: StubApi) -> None:
    env = {"GREENLIGHT_URL": stub.url, "GREENLIGHT_DEMO_REQUESTER_TOKEN": "expired-token", "GREENLIGHT_TOKEN": ""}
    result = CliRunner().invoke(app, ["demo"], env=env, catch_exceptions=False)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: {stub.url} did not accept the token in --requester-token or "
                                    "GREENLIGHT_DEMO_REQUESTER_TOKEN: "), result.stderr
    assert "GREENLIGHT_TOKEN:" not in result.stderr and "expired-token" not in result.stderr


def test_a_refused_approver_token_names_the_demos_setting(stub: StubApi) -> None:
    stub.add(release := make_release("r1"))
    with GreenlightClient(stub.url, "requester-token") as client, pytest.raises(ApiError) as refused:
        _ask_approval(client, release_out(release), stub.url, "expired-token", Console(quiet=True))
    assert str(refused.value).startswith(f"{stub.url} did not accept the token in --approver-token or "
                                         "GREENLIGHT_DEMO_APPROVER_TOKEN: "), str(refused.value)
