"""Which token a command sends when it is given more than one way, and the source its errors name.

The command line (`--token`, `--token-file`) wins over the environment (GREENLIGHT_TOKEN, GREENLIGHT_TOKEN_FILE):
an exported variable must not act, unseen, instead of the file just named (another identity, another role). Two
at one level are ambiguous and refused, as docker images refuse both POSTGRES_PASSWORD and POSTGRES_PASSWORD_FILE.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from services.cli.main import app
from tests.cli.stub_api import StubApi

IN_PS = ("warning: --token is visible to every user of this host in `ps`: set GREENLIGHT_TOKEN or use "
         "--token-file instead\n")


def token_file(tmp_path: Path, token: str) -> str:
    path = tmp_path / f"{token}.txt"
    path.write_text(token + "\n")
    os.chmod(path, 0o600)
    return str(path)


def whoami(stub: StubApi, *args: str, token: str = "", file: str = "") -> tuple[int, str, str]:
    env = {"GREENLIGHT_URL": stub.url, "GREENLIGHT_TOKEN": token, "GREENLIGHT_TOKEN_FILE": file}
    result = CliRunner().invoke(app, ["whoami", *args], env=env, catch_exceptions=False)
    return result.exit_code, result.stdout.split("  ")[0], result.stderr


def test_the_file_on_the_command_line_wins_over_the_variable(stub: StubApi, tmp_path: Path) -> None:
    admin = token_file(tmp_path, "admin-token")
    assert whoami(stub, "--token-file", admin, token="requester-token") == (0, "dev-admin", "")


def test_the_token_on_the_command_line_wins_over_the_file_variable(stub: StubApi, tmp_path: Path) -> None:
    requester = token_file(tmp_path, "requester-token")
    assert whoami(stub, "--token", "admin-token", file=requester) == (0, "dev-admin", IN_PS)


def test_two_on_the_command_line_are_refused(stub: StubApi, tmp_path: Path) -> None:
    admin = token_file(tmp_path, "admin-token")
    assert whoami(stub, "--token", "admin-token", "--token-file", admin) == (
        1, "", "error: give the token one way: --token or --token-file, not both\n")


def test_both_variables_are_refused(stub: StubApi, tmp_path: Path) -> None:
    admin = token_file(tmp_path, "admin-token")
    assert whoami(stub, token="requester-token", file=admin) == (
        1, "", "error: both GREENLIGHT_TOKEN and GREENLIGHT_TOKEN_FILE are set: unset one of them\n")


@pytest.mark.parametrize(("args", "env", "named"), [
    (("--token", "stale-token"), {}, "--token"),
    ((), {"token": "stale-token"}, "GREENLIGHT_TOKEN"),
    (("--token-file", "FILE"), {"token": "admin-token"}, "--token-file {stale}"),
    ((), {"file": "FILE"}, "GREENLIGHT_TOKEN_FILE ({stale})"),
])
def test_a_refusal_names_the_source_used(stub: StubApi, tmp_path: Path, args: tuple[str, ...],
                                         env: dict[str, str], named: str) -> None:
    stale = token_file(tmp_path, "stale-token")
    args = tuple(stale if a == "FILE" else a for a in args)
    env = {k: stale if v == "FILE" else v for k, v in env.items()}
    code, _, stderr = whoami(stub, *args, **env)
    assert code == 1
    assert stderr.endswith(f"error: {stub.url} did not accept the token in {named.format(stale=stale)}: check "
                           "that it is complete, not revoked, and issued for this Greenlight (GREENLIGHT_URL)\n")
