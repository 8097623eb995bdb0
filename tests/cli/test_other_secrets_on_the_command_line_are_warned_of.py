"""The other secrets the CLI takes as options are warned of as `--token` is: in `ps` for every user of the host.

`greenlight demo --requester-token/--approver-token` (real tokens where the dev ones are off) and a password in
`--url` (`https://user:password@host`, for a proxy in front of the API) went to the process list without a word.
Each now gets one yellow line naming the option (never the value) and the variable to use; the command runs on.
"""

from __future__ import annotations

from typer.testing import CliRunner

from services.cli.main import app
from tests.ports import free_port

SECRET = "hunter2-s3cr3t"


def test_demo_tokens_typed_are_warned_of() -> None:
    url = f"http://127.0.0.1:{free_port()}"  # nothing there: the demo stops at its first call
    result = CliRunner().invoke(app, ["demo", "--url", url, "--requester-token", SECRET, "--approver-token", SECRET],
                                env={"GREENLIGHT_DEMO_REQUESTER_TOKEN": "", "GREENLIGHT_DEMO_APPROVER_TOKEN": ""},
                                catch_exceptions=False)
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[:2] == [
        "warning: --requester-token is visible to every user of this host in `ps`: set "
        "GREENLIGHT_DEMO_REQUESTER_TOKEN instead",
        "warning: --approver-token is visible to every user of this host in `ps`: set "
        "GREENLIGHT_DEMO_APPROVER_TOKEN instead"]
    assert lines[2].startswith("error: cannot reach Greenlight")
    assert SECRET not in result.output


def test_demo_tokens_from_the_environment_are_not() -> None:
    env = {"GREENLIGHT_DEMO_REQUESTER_TOKEN": SECRET, "GREENLIGHT_URL": f"http://127.0.0.1:{free_port()}"}
    result = CliRunner().invoke(app, ["demo"], env=env, catch_exceptions=False)
    assert result.exit_code == 1
    assert result.stderr.startswith("error: cannot reach Greenlight")


def test_a_password_in_the_url_option_is_warned_of() -> None:
    port = free_port()
    for command in (["whoami"], ["demo"]):
        result = CliRunner().invoke(app, [*command, "--url", f"http://alice:{SECRET}@127.0.0.1:{port}"],
                                    env={"GREENLIGHT_TOKEN": "approver-token"}, catch_exceptions=False)
        assert result.exit_code == 1
        assert result.stderr.splitlines()[0] == ("warning: the password in --url is visible to every user of this "
                                                 "host in `ps`: set GREENLIGHT_URL instead")
        assert SECRET not in result.output


def test_a_url_without_a_password_or_from_the_environment_is_not() -> None:
    port = free_port()
    for args, env in ((["--url", f"http://alice@127.0.0.1:{port}"], {}),
                      ([], {"GREENLIGHT_URL": f"http://alice:{SECRET}@127.0.0.1:{port}"})):
        result = CliRunner().invoke(app, ["whoami", *args], env={"GREENLIGHT_TOKEN": "approver-token", **env},
                                    catch_exceptions=False)
        assert result.exit_code == 1
        assert result.stderr.startswith("error: cannot reach Greenlight")
