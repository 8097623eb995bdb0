"""`--token TOKEN` puts the token in the process list (`ps`, /proc/PID/cmdline) for every user of the host: the
command still runs (scripts use it), with one yellow line on stderr saying so and what to use instead. A token
from GREENLIGHT_TOKEN or a token file gets no such line; stdout is untouched (`-o json` stays parseable)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from typer.testing import CliRunner

from services.cli.main import app
from tests.cli.stub_api import StubApi

WARNING = ("warning: --token is visible to every user of this host in `ps`: set GREENLIGHT_TOKEN or use "
           "--token-file instead\n")


def test_a_token_on_the_command_line_is_warned_of(stub: StubApi) -> None:
    result = CliRunner().invoke(app, ["whoami", "-o", "json", "--token", "approver-token"],
                                env={"GREENLIGHT_URL": stub.url, "GREENLIGHT_TOKEN": ""}, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert result.stderr == WARNING
    assert json.loads(result.stdout)["name"] == "dev-approver"


def test_the_warning_is_yellow_on_a_terminal(stub: StubApi) -> None:
    env = {"GREENLIGHT_URL": stub.url, "GREENLIGHT_TOKEN": "", "FORCE_COLOR": "1", "TERM": "xterm"}
    result = CliRunner().invoke(app, ["whoami", "--token", "approver-token"], env=env, catch_exceptions=False)
    assert result.stderr.startswith("\x1b[33mwarning: --token is visible")
    assert result.stderr.count("\n") == 1


def test_a_token_from_the_environment_or_a_file_is_not(stub: StubApi, tmp_path: Path) -> None:
    path = tmp_path / "token"
    path.write_text("approver-token\n")
    os.chmod(path, 0o600)
    for env in ({"GREENLIGHT_TOKEN": "approver-token"}, {"GREENLIGHT_TOKEN_FILE": str(path)}):
        result = CliRunner().invoke(app, ["whoami"], env={"GREENLIGHT_URL": stub.url, **env},
                                    catch_exceptions=False)
        assert (result.exit_code, result.stderr) == (0, ""), result.output
