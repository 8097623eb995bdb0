"""A signature header is chosen by an unauthenticated caller, so whatever it holds is refused with 401, never a
500: hmac.compare_digest raises TypeError on a non-ASCII str, int() refuses digits str.isdigit() accepts ("²")
and more than 4,300 of them, slack-sdk decodes the body as UTF-8. A 500 also logged a traceback from a frame
that held the hook's secret (a console's rich traceback prints frames' locals): nothing is logged as an
unhandled error, and no log line carries a secret."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest
import structlog
from aiohttp.test_utils import TestClient, TestServer

from services.approval.app import create_app
from services.approval.hook_settings import HookSettings
from services.approval.settings import ApprovalSettings
from services.shared.settings import BusSettings
from services.shared.signing import BadSignature, verify
from tests.approval.fakes import FakeResolver
from tests.hooks.conftest import GENERIC_SECRET, GITHUB_SECRET, GITLAB_TOKEN, Client

SLACK_SECRET = "slack-signing-secret"
SECRETS = (GITHUB_SECRET, GITLAB_TOKEN, GENERIC_SECRET, SLACK_SECRET)


@pytest.fixture
async def api(bus_settings: BusSettings, postgres_url: str) -> AsyncIterator[Client]:
    hooks = HookSettings(github_secret=GITHUB_SECRET, gitlab_token=GITLAB_TOKEN, generic_secret=GENERIC_SECRET,
                         slack_signing_secret=SLACK_SECRET)
    app = create_app(ApprovalSettings(dev_tokens=True, bus=bus_settings), resolver=FakeResolver(), hooks=hooks)
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        yield client


async def raw_post(client: Client, path: str, headers: list[tuple[str, bytes]], body: bytes = b"{}") -> int:
    """POST with header values as raw bytes, as any client on the internet may send them (aiohttp's client
    would refuse to)."""
    reader, writer = await asyncio.open_connection(client.host, client.port)
    try:
        head = b"".join(name.encode() + b": " + value + b"\r\n" for name, value in headers)
        writer.write(b"POST " + path.encode() + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                     + b"Content-Length: " + str(len(body)).encode() + b"\r\n" + head + b"\r\n" + body)
        await writer.drain()
        status_line = await asyncio.wait_for(reader.readline(), 10)
        return int(status_line.split()[1])
    finally:
        writer.close()


NOW = str(int(time.time())).encode()
CASES: dict[str, tuple[str, list[tuple[str, bytes]], bytes]] = {
    "github non-ascii signature": ("/hooks/github", [("X-Hub-Signature-256", "sha256=é".encode())], b"{}"),
    "github undecodable signature": ("/hooks/github", [("X-Hub-Signature-256", b"sha256=\xff\xfe")], b"{}"),
    "gitlab undecodable token": ("/hooks/gitlab", [("X-Gitlab-Token", b"\xff" + GITLAB_TOKEN.encode())], b"{}"),
    "gitlab non-ascii token": ("/hooks/gitlab", [("X-Gitlab-Token", "tökén".encode())], b"{}"),
    "generic non-ascii v1": ("/hooks/generic", [("Greenlight-Signature", b"t=" + NOW + b",v1=" + "é".encode())],
                             b"{}"),
    "generic superscript t": ("/hooks/generic", [("Greenlight-Signature", "t=²,v1=00".encode())], b"{}"),
    "generic 5,000-digit t": ("/hooks/generic", [("Greenlight-Signature", b"t=" + b"9" * 5000 + b",v1=00")], b"{}"),
    "slack superscript timestamp": ("/hooks/slack/actions", [("X-Slack-Request-Timestamp", "²".encode()),
                                                             ("X-Slack-Signature", b"v0=00")], b""),
    "slack 5,000-digit timestamp": ("/hooks/slack/actions", [("X-Slack-Request-Timestamp", b"9" * 5000),
                                                             ("X-Slack-Signature", b"v0=00")], b""),
    "slack non-ascii signature": ("/hooks/slack/actions", [("X-Slack-Request-Timestamp", NOW),
                                                           ("X-Slack-Signature", "v0=é".encode())], b""),
    "slack non-utf-8 body": ("/hooks/slack/actions", [("X-Slack-Request-Timestamp", NOW),
                                                      ("X-Slack-Signature", b"v0=00")], b"payload=\xff"),
}


async def test_odd_signature_headers_are_401_and_log_no_traceback(api: Client) -> None:
    with structlog.testing.capture_logs() as logs:
        got = {name: await raw_post(api, path, headers, body) for name, (path, headers, body) in CASES.items()}
    assert got == {name: 401 for name in CASES}
    assert [e for e in logs if e.get("log_level") in ("error", "critical") or "exc_info" in e] == []
    assert [e for e in logs if any(s in repr(e) for s in SECRETS)] == []


@pytest.mark.parametrize("header", ["t=²,v1=00", f"t={int(time.time())},v1=é", "t=" + "9" * 5000 + ",v1=00",
                                    f"t={int(time.time())},v1=\udcff"])
def test_verify_refuses_an_odd_header_with_bad_signature(header: str) -> None:
    """Receivers of the notifier's deliveries use verify too: only BadSignature, which they answer with 401."""
    with pytest.raises(BadSignature):
        verify(GENERIC_SECRET, b"{}", header)
