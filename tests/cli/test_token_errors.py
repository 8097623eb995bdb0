"""A refused token is one line that says which setting holds it and what to check."""

from __future__ import annotations

from typer.testing import CliRunner

from services.cli.main import app
from tests.cli.conftest import cli, make_release
from tests.cli.stub_api import StubApi


def test_a_wrong_token_from_the_environment_names_the_variable(stub: StubApi) -> None:
    result = cli(stub, "release", "list", token="expired-token")
    assert result.exit_code == 1
    assert result.stderr == (f"error: {stub.url} did not accept the token in GREENLIGHT_TOKEN: check that it is "
                             "complete, not revoked, and issued for this Greenlight (GREENLIGHT_URL)\n")


def test_a_wrong_token_option_names_the_option(stub: StubApi) -> None:
    env = {"GREENLIGHT_URL": stub.url, "GREENLIGHT_TOKEN": "approver-token"}
    result = CliRunner().invoke(app, ["status", "demo", "--token", "typo"], env=env, catch_exceptions=False)
    assert result.exit_code == 1
    warning, refusal = result.stderr.splitlines()  # the first says --token shows in `ps`
    assert warning.startswith("warning: --token is visible")
    assert refusal.startswith(f"error: {stub.url} did not accept the token in --token: ")
    assert "typo" not in result.stderr  # the token itself is never echoed


def test_a_missing_role_says_what_to_do(stub: StubApi) -> None:
    stub.add(make_release("r1"))
    result = cli(stub, "rollback", "demo", "--reason", "x", token="requester-token")
    assert result.exit_code == 1
    assert result.stderr.endswith("; use a token with that role, or ask someone who has it\n")
    assert result.stderr.count("\n") == 1
