"""`--token-file PATH` / `GREENLIGHT_TOKEN_FILE`: the token read from a file (a mounted secret), kept out of `ps`.

Before, the token came only from `--token` (in the process list for every user of the host) or GREENLIGHT_TOKEN.
Every command that takes `--token` takes the file too; a file's trailing newline is no part of the token.
"""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from services.cli.main import app
from services.shared.protocol import ReleaseState as S
from tests.cli.conftest import greenlight, make_release
from tests.cli.real_api import RealApi, served_api  # noqa: F401 - the real_api fixture
from tests.cli.stub_api import StubApi
from tests.cli.test_help import ALL


def token_file(tmp_path: Path, text: str, name: str = "token") -> Path:
    path = tmp_path / name
    path.write_text(text)
    os.chmod(path, 0o600)
    return path


def test_every_command_that_takes_a_token_takes_a_token_file() -> None:
    takers = [(path, command) for path, command in ALL if any(p.name == "token" for p in command.params)]
    assert len(takers) == 18  # release create|list|show, status, history, whoami, 4 decisions, delivery, watch,
    #                            and the 6 subscriptions commands
    for path, command in takers:
        option = next((p for p in command.params if p.name == "token_file"), None)
        assert option is not None, f"{' '.join(path)} takes --token but not --token-file"
        assert option.opts == ["--token-file"] and option.envvar == "GREENLIGHT_TOKEN_FILE"  # type: ignore[attr-defined]


@pytest.mark.parametrize("text", ["approver-token\n", "approver-token", "approver-token\r\n", "  approver-token \n"])
def test_the_option_reads_the_token_from_the_file(stub: StubApi, tmp_path: Path, text: str) -> None:
    path = token_file(tmp_path, text)
    result = CliRunner().invoke(app, ["whoami", "--token-file", str(path)], env={"GREENLIGHT_URL": stub.url},
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("dev-approver")
    assert result.stderr == ""  # no warning: nothing secret on the command line


async def test_the_variable_reads_it_for_the_real_api(tmp_path: Path, real_api: RealApi) -> None:
    path = token_file(tmp_path, "approver-token\n")
    env = {"GREENLIGHT_URL": real_api.url, "GREENLIGHT_TOKEN_FILE": str(path)}
    result = await asyncio.to_thread(CliRunner().invoke, app, ["whoami", "-o", "json"], env=env,
                                     catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["name"] == "dev-approver"


async def test_a_refused_token_names_the_file(tmp_path: Path, real_api: RealApi) -> None:
    path = token_file(tmp_path, "stale-token\n")
    result = await greenlight(real_api.url, "", "release", "list", "--token-file", str(path))
    assert result.exit_code == 1
    assert result.stderr == (f"error: {real_api.url} did not accept the token in --token-file {path}: check that "
                             "it is complete, not revoked, and issued for this Greenlight (GREENLIGHT_URL)\n")


def test_watch_takes_it_too(stub: StubApi, tmp_path: Path) -> None:
    stub.add(make_release("r1"))
    stub.advance("r1", S.FAILED)
    env = {"GREENLIGHT_URL": stub.url, "GREENLIGHT_TOKEN_FILE": str(token_file(tmp_path, "approver-token\n"))}
    result = CliRunner().invoke(app, ["watch", "r1"], env=env, catch_exceptions=False)
    assert result.exit_code == 1, result.output  # followed to its end: it failed
    assert "watching release r1" in result.stdout


def test_the_help_says_which_wins() -> None:
    result = CliRunner().invoke(app, ["whoami", "-h"], env={"COLUMNS": "2000"}, catch_exceptions=False)
    assert "--token-file PATH" in result.stdout and "GREENLIGHT_TOKEN_FILE" in result.stdout
    assert ("The command line's --token or --token-file wins over GREENLIGHT_TOKEN or GREENLIGHT_TOKEN_FILE; "
            "two at one level are refused") in " ".join(result.stdout.split())
