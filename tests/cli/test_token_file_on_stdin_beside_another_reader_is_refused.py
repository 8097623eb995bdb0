"""`--token-file /dev/stdin` beside `--secret-stdin` (or a receiver file read from stdin): the secret was read first,
took all of stdin, and the user was told "--token-file /dev/stdin is empty", sent to fix a token that was there.
Now it is one line naming both options, before anything is read or sent."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from services.cli.main import app
from tests.cli.stub_api import StubApi

RECEIVER = "https://hooks.example.com/greenlight"


@pytest.mark.parametrize(("command", "other"), [
    (["add", "ops", RECEIVER, "--secret-stdin"], "--secret-stdin"),
    (["add", "ops", "--receiver-file", "-"], "--receiver-file -"),
    (["rotate-secret", "ops", "--secret-stdin"], "--secret-stdin"),
], ids=["add-secret", "add-receiver", "rotate"])
@pytest.mark.parametrize("token_file", ["/dev/stdin", "/dev/fd/0", "/proc/self/fd/0"])
def test_the_token_and_another_input_on_stdin_are_refused(stub: StubApi, command: list[str], other: str,
                                                          token_file: str) -> None:
    env = {"GREENLIGHT_URL": stub.url, "GREENLIGHT_TOKEN": ""}
    result = CliRunner().invoke(app, ["subscriptions", *command, "--token-file", token_file],
                                input="admin-token\ns3cret-value-of-32-characters-xx\n", env=env,
                                catch_exceptions=False)
    assert result.exit_code == 1
    assert result.stderr == (f"error: --token-file {token_file} and {other} both read stdin: give the token with "
                             "GREENLIGHT_TOKEN or a --token-file PATH of its own\n")
    assert "admin-token" not in result.output and "s3cret" not in result.output
