"""An API address that redirects (an ingress moving http:// to https://, a proxy sending to its sign-in page) was
told as "Greenlight answered 308 without JSON": the cause, where the answer pointed, left out. The CLI does not
follow redirects (an approval POSTed again elsewhere, the token sent after it), so the error names the target, its
credentials masked, and what to change."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from typer.testing import CliRunner

from services.cli.client import ApiError, GreenlightClient
from services.cli.main import app
from tests.ports import free_port


def redirecting(status: int, location: str) -> httpx.MockTransport:
    return httpx.MockTransport(lambda request: httpx.Response(
        status, headers={"Location": location, "Content-Type": "text/html"}, content=b"<html>moved</html>"))


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_a_redirect_to_https_is_named(status: int) -> None:
    client = GreenlightClient("http://greenlight.test", "t",
                              transport=redirecting(status, "https://greenlight.test/releases?limit=50"))
    with client, pytest.raises(ApiError) as err:
        client.list_releases()
    assert str(err.value) == (f"Greenlight at http://greenlight.test answered {status}, a redirect to "
                              "https://greenlight.test/releases?limit=50, which the CLI does not follow: set "
                              "GREENLIGHT_URL to the API's own address")
    assert err.value.status == status


def test_a_relative_target_is_shown_whole_and_its_credentials_masked() -> None:
    client = GreenlightClient("http://greenlight.test", "t",
                              transport=redirecting(302, "/oauth2/start?rd=%2F&access_token=s3cr3t"))
    with client, pytest.raises(ApiError) as err:
        client.whoami()
    assert "a redirect to http://greenlight.test/oauth2/start?rd=%2F&access_token=***," in str(err.value)
    assert "s3cr3t" not in str(err.value)


class MovedToHttps(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(308)
        self.send_header("Location", f"https://greenlight.test{self.path}")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


def test_the_command_says_it_in_one_line() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), MovedToHttps)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        result = CliRunner().invoke(app, ["whoami", "--url", url], catch_exceptions=False)
    finally:
        server.shutdown()
        server.server_close()
    assert result.exit_code == 1
    assert result.stderr == (f"error: Greenlight at {url} answered 308, a redirect to https://greenlight.test/me, "
                             "which the CLI does not follow: set GREENLIGHT_URL to the API's own address\n")



def test_a_3xx_without_a_location_is_no_redirect() -> None:
    transport = httpx.MockTransport(lambda request: httpx.Response(300, content=b"<html>choose</html>"))
    with GreenlightClient("http://greenlight.test", "t", transport=transport) as client, \
            pytest.raises(ApiError) as err:
        client.whoami()
    assert str(err.value) == "Greenlight answered 300 without JSON"
