"""A password in GREENLIGHT_URL was printed in full in every error that names the API's address.

`http://user:password@host` is how a URL carries credentials for a proxy in front of the API, and httpx
takes it that way; the CLI echoed `self.url` as given into "cannot reach Greenlight at …", the 401 hint,
the timeout and the lost-stream messages: one failed command put the password on the screen, in the CI log
and in the bug report that quotes it. The address is now shown with its userinfo masked.
"""

from __future__ import annotations

import httpx
import pytest
from typer.testing import CliRunner

from services.cli.client import ApiError, GreenlightClient
from services.cli.main import app
from services.cli.sse import Reconnect, follow_events
from tests.cli.stub_api import StubApi
from tests.ports import free_port

SECRET = "hunter2-proxy-password"


def with_credentials(url: str) -> str:
    return url.replace("http://", f"http://alice:{SECRET}@")


def test_an_unreachable_api_is_named_without_the_password() -> None:
    url = with_credentials(f"http://127.0.0.1:{free_port()}")
    result = CliRunner().invoke(app, ["release", "list", "--url", url], catch_exceptions=False)
    assert result.exit_code == 1
    assert SECRET not in result.stdout + result.stderr
    assert "cannot reach Greenlight at http://***@127.0.0.1:" in result.stderr


def test_a_refused_token_names_the_api_without_the_password(stub: StubApi) -> None:
    env = {"GREENLIGHT_URL": with_credentials(stub.url), "GREENLIGHT_TOKEN": "expired-token"}
    result = CliRunner().invoke(app, ["status", "demo"], env=env, catch_exceptions=False)
    assert result.exit_code == 1
    assert SECRET not in result.stdout + result.stderr
    assert result.stderr.startswith("error: http://***@127.0.0.1:")


def test_a_timeout_and_a_lost_stream_name_the_api_without_the_password() -> None:
    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    url = with_credentials("http://greenlight.test")
    with GreenlightClient(url, "t", transport=httpx.MockTransport(slow)) as client:
        with pytest.raises(ApiError) as timed_out:
            client.get_app("demo")
        events = follow_events(client, "/events", reconnect=Reconnect(attempts=1, sleep=lambda _: None))
        with pytest.raises(ApiError) as lost:
            next(events)
    for error in (timed_out.value, lost.value):
        assert SECRET not in str(error)
        assert "http://***@greenlight.test" in str(error)
