"""A body that aiohttp cannot decode (`Content-Encoding: gzip` over bytes that are no gzip) was a 500 and a traceback
for any caller: a hook's body is read before its signature is checked. Now a 400 naming what could not be read, and
its connection closed; nothing is logged as an unhandled error, and no release is made. (A broken chunked framing
aiohttp answers 400 itself, before any handler.)"""

from __future__ import annotations

import pytest
import structlog

from tests.hooks.conftest import Client, releases_of


@pytest.mark.parametrize("path", ["/hooks/github", "/hooks/generic", "/releases"])  # Slack's: as /releases
async def test_a_body_that_does_not_decode_is_400(api: Client, path: str) -> None:
    with structlog.testing.capture_logs() as logs:
        response = await api.post(path, data=b"this is no gzip at all", headers={
            "Content-Encoding": "gzip", "Content-Type": "application/json",
            "Authorization": "Bearer requester-token"})
        body = await response.json()
    assert response.status == 400, body
    assert body["error"].endswith("could not be read: its Content-Encoding or chunked framing is broken."), body
    assert not [line for line in logs if line["event"] == "unhandled error"], logs
    assert await releases_of(api) == []


