"""A delivery id header that has no UTF-8 form (aiohttp hands header bytes that are no UTF-8 to the handler as lone
surrogates) was written into the claims table as it was: the database driver cannot encode it, so a signed push
whose delivery id is odd was a 500 and an "unhandled error" traceback instead of a 4xx. GitHub's `X-GitHub-Delivery`
is not covered by the signature, so anyone holding one signed body can send it with such a header. (The generic
hook's `delivery`, in its JSON body, is refused with a 422 by pydantic already.)"""

from __future__ import annotations

import asyncio
import json

import pytest
import structlog

from services.shared.signing import github_signature
from tests.hooks.conftest import GITHUB_SECRET, GITLAB_TOKEN, Client, github_push, releases_of
from tests.hooks.git_daemon import Served


async def raw_post(client: Client, path: str, headers: list[tuple[str, bytes]],
                             body: bytes) -> tuple[int, bytes]:
    """(status, body) of a POST whose header values are raw bytes, as any client may send them (aiohttp's own client
    would refuse to)."""
    reader, writer = await asyncio.open_connection(client.host, client.port)
    try:
        head = b"".join(name.encode() + b": " + value + b"\r\n" for name, value in headers)
        writer.write(b"POST " + path.encode() + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                     + b"Content-Length: " + str(len(body)).encode() + b"\r\n" + head + b"\r\n" + body)
        await writer.drain()
        answer = await asyncio.wait_for(reader.read(), 30)  # the server closes after its answer
        return int(answer.split(b" ", 2)[1]), answer.partition(b"\r\n\r\n")[2]
    finally:
        writer.close()


def signed_request(host: str, url: str, commit: str) -> tuple[str, list[tuple[str, bytes]], bytes]:
    """(path, raw headers, body) of a push to the configured repository and branch, correctly signed, whose
    delivery id has no UTF-8 form."""
    if host == "github":
        body = github_push(url, commit)
        return "/hooks/github", [("X-Hub-Signature-256", github_signature(GITHUB_SECRET, body).encode()),
                                 ("X-GitHub-Event", b"push"), ("X-GitHub-Delivery", b"d-\xff\xfe"),
                                 ("Content-Type", b"application/json")], body
    body = json.dumps({"object_kind": "push", "ref": "refs/heads/main", "after": commit,
                       "project": {"git_http_url": url}}).encode()
    return "/hooks/gitlab", [("X-Gitlab-Token", GITLAB_TOKEN.encode()), ("X-Gitlab-Event", b"Push Hook"),
                             ("Idempotency-Key", b"k-\xff\xfe")], body


@pytest.mark.parametrize("host", ["github", "gitlab"])
async def test_a_delivery_id_with_no_utf8_form_is_4xx_not_500(api: Client, served: Served,
                                                                       host: str) -> None:
    path, headers, body = signed_request(host, served.url, served.push(f"odd delivery {host}"))
    with structlog.testing.capture_logs() as logs:
        status, answer = await raw_post(api, path, headers, body)
    assert 400 <= status < 500, (status, answer)
    assert not [line for line in logs if line["event"] == "unhandled error"], logs
    assert await releases_of(api) == []
