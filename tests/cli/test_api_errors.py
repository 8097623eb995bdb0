"""Failures talking to the API are one red `error:` line and exit code 1 (3 for `watch`: the release's outcome
unknown, tests/cli/test_watch_exit_code_tells_lost_from_failed.py), never a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from services.cli.client import ApiError, GreenlightClient
from services.cli.main import app
from tests.ports import free_port


def test_connection_refused_from_the_installed_command_is_one_line() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    done = subprocess.run([sys.executable, "-m", "services.cli", "release", "list"], capture_output=True,
                          text=True, timeout=30, env={"GREENLIGHT_URL": url, "PATH": "/usr/bin:/bin"},
                          cwd=Path(__file__).parents[2])
    assert done.returncode == 1
    assert done.stderr == f"error: cannot reach Greenlight at {url}: is `greenlight up` running?\n"
    assert done.stdout == ""


@pytest.mark.parametrize(("args", "code"), [(["watch", "r1"], 3), (["approve", "r1"], 1),
                                            (["rollback", "demo", "--reason", "x"], 1)])
def test_every_command_reports_an_unreachable_api_the_same_way(args: list[str], code: int) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    result = CliRunner().invoke(app, [*args, "--url", url], catch_exceptions=False)
    assert result.exit_code == code
    assert result.stderr == f"error: cannot reach Greenlight at {url}: is `greenlight up` running?\n"


def test_a_url_without_a_scheme_is_explained() -> None:
    result = CliRunner().invoke(app, ["release", "list", "--url", "localhost:8000"], catch_exceptions=False)
    assert result.exit_code == 1
    assert result.stderr == "error: invalid Greenlight URL 'localhost:8000': use http://host:port\n"


def answering(status: int, body: bytes, content_type: str = "application/json") -> GreenlightClient:
    transport = httpx.MockTransport(lambda request: httpx.Response(
        status, content=body, headers={"content-type": content_type}))
    return GreenlightClient("http://greenlight.test", "t", transport=transport)


def test_an_error_without_a_json_body_names_the_http_status() -> None:
    with answering(502, b"<html>Bad Gateway</html>", "text/html") as client, pytest.raises(ApiError) as err:
        client.list_releases()
    assert (str(err.value), err.value.status) == ("HTTP 502 Bad Gateway", 502)


def test_a_success_that_is_not_json_is_an_error_too() -> None:
    with answering(200, b"surprise", "text/plain") as client, pytest.raises(ApiError) as err:
        client.get_release("r1")
    assert str(err.value) == "Greenlight answered 200 without JSON"


def test_a_timeout_says_how_long_it_waited() -> None:
    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    client = GreenlightClient("http://greenlight.test", "t", timeout=2.5, transport=httpx.MockTransport(slow))
    with client, pytest.raises(ApiError) as err:
        client.get_app("demo")
    assert str(err.value) == "Greenlight at http://greenlight.test did not answer within 2.5s"
