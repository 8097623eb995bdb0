"""With HTTP_PROXY set in the shell (a corporate network) and no NO_PROXY, every command against the default
`http://127.0.0.1:8000` went to the proxy: the bearer token in clear text to a third party, and an answer from a
proxy that cannot reach this machine's loopback (502, refused) instead of Greenlight's. A loopback address is now
asked directly, as Go's clients (kubectl) do; any other address still goes through the proxy the environment names."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.cli.conftest import cli
from tests.cli.stub_api import StubApi
from tests.ports import free_port

pytestmark = pytest.mark.timeout(60)


class Proxy(BaseHTTPRequestHandler):
    """A proxy that cannot reach the API: it records what it was sent and answers 502."""

    seen: list[str] = []

    def do_GET(self) -> None:
        Proxy.seen.append(f"{self.requestline} {self.headers.get('Authorization')}")
        self.send_response(502)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def proxy(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Proxy)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    for name in ("NO_PROXY", "no_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{server.server_address[1]}")
    Proxy.seen = []
    try:
        yield Proxy.seen
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_a_loopback_api_gets_the_token_and_the_proxy_nothing(stub: StubApi, proxy: list[str], host: str) -> None:
    stub.url = stub.url.replace("127.0.0.1", host)
    result = cli(stub, "whoami")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("dev-approver")
    assert proxy == []


def test_another_address_still_goes_through_the_proxy(proxy: list[str]) -> None:
    stub = StubApi()
    stub.url = "http://greenlight.example.test"
    result = cli(stub, "whoami")
    assert result.exit_code == 1
    assert result.stderr == "error: HTTP 502 Bad Gateway\n"
    assert proxy == ["GET http://greenlight.example.test/me HTTP/1.1 Bearer approver-token"]
