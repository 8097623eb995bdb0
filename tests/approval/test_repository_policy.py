"""POST /releases cannot make the API scan or talk to internal hosts, nor echo what they answer."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from services.approval.app import create_app
from services.approval.settings import ApprovalSettings
from services.shared.repo_policy import RepositorySettings
from tests.approval.conftest import REQUESTER

Client = TestClient[web.Request, web.Application]
EVERY_SCHEME = ["https://*", "http://*", "git://*", "ssh://*"]
BROKER = "127.0.0.1:5672"  # the shared RabbitMQ: it answers a git client with its AMQP banner


async def real_api(settings: ApprovalSettings, allow: list[str], **changes: object) -> Client:
    """The API with the real resolver (git and DNS), not the test double."""
    configured = settings.model_copy(update={"repository": RepositorySettings(allow=allow), **changes})
    client = TestClient(TestServer(create_app(configured), host="127.0.0.1"))
    await client.start_server()
    return client


@pytest.fixture
async def open_api(settings: ApprovalSettings) -> AsyncIterator[Client]:
    client = await real_api(settings, EVERY_SCHEME)
    yield client
    await client.close()


async def post(client: Client, repository: str, commit: str = "main") -> tuple[int, str]:
    response = await client.post("/releases", json={"app": "demo", "repository": repository, "commit": commit},
                                 headers=REQUESTER)
    return response.status, await response.text()


@pytest.mark.parametrize(("repository", "expected"), [
    (f"git://{BROKER}/x", 403), (f"http://{BROKER}/x", 403), ("https://10.1.2.3/x.git", 403),
    ("https://169.254.169.254/latest", 403),
    ("https://[::1]/x.git", 422), ("https://[::ffff:127.0.0.1]/x.git", 422),  # IPv6 literals: not in the grammar
])
@pytest.mark.parametrize("commit", ["main", "a" * 40])
async def test_internal_addresses_are_refused_before_git_runs(open_api: Client, repository: str, expected: int,
                                                              commit: str) -> None:
    status, body = await post(open_api, repository, commit)
    assert status == expected, body
    assert '"repository"' in body and "AMQP" not in body


async def test_a_name_that_resolves_to_loopback_is_refused(open_api: Client) -> None:
    # DNS is asked once and its answer checked: `localhost` is a public-looking name for 127.0.0.1.
    # (With a full SHA the API does not touch the network; the builder checks: tests/builder.)
    status, body = await post(open_api, "git://localhost/x", "main")
    assert status == 403 and "loopback" in body and '"repository"' in body, body


async def test_gits_own_output_is_never_echoed(settings: ApprovalSettings) -> None:
    client = await real_api(settings, [f"git://{BROKER}/*"])  # named literally: allowed, and still quiet
    try:
        status, body = await post(client, f"git://{BROKER}/x")
    finally:
        await client.close()
    assert status == 422, body
    assert "AMQP" not in body and "bad line length" not in body
    assert "cannot read repository: " in body


async def test_a_silent_repository_gets_504_within_the_time_box(settings: ApprovalSettings) -> None:
    held: list[asyncio.StreamWriter] = []

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)  # accept and never answer

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    client = await real_api(settings, [f"git://127.0.0.1:{port}/*"], resolve_timeout=1.0)
    try:
        started = time.monotonic()
        status, body = await post(client, f"git://127.0.0.1:{port}/x")
        elapsed = time.monotonic() - started
    finally:
        await client.close()
        for writer in held:
            writer.close()
        server.close()
        await server.wait_closed()
    assert status == 504, body
    assert elapsed < 5


@pytest.mark.parametrize("repository", [
    "ssh://[-oProxyCommand=id]/x", "ssh://-oProxyCommand=id/x", "-oProxyCommand=id@h:x",
    "ssh://git@[-oProxyCommand=id]:22/x",
])
async def test_ssh_option_injection_is_refused(open_api: Client, repository: str) -> None:
    status, body = await post(open_api, repository, "a" * 40)
    assert status == 422 and '"repository"' in body, body


@pytest.mark.parametrize("repository", [
    "https://deploy:hunter2@github.com/org/x.git", "https://ghp_SECRETTOKEN@github.com/org/x.git",
    "ssh://git:hunter2@github.com/org/x.git", "https://github.com/org/x.git?access_token=SECRETTOKEN",
])
async def test_credentials_in_urls_are_refused_and_not_repeated(open_api: Client, repository: str) -> None:
    status, body = await post(open_api, repository, "a" * 40)
    assert status == 422, body
    assert "hunter2" not in body and "SECRETTOKEN" not in body


async def test_the_default_policy_is_https_and_ssh_to_public_hosts(settings: ApprovalSettings) -> None:
    assert RepositorySettings().allow == ["https://*", "ssh://*"]
    async with TestClient(TestServer(create_app(settings), host="127.0.0.1")) as client:
        for repository in (f"git://{BROKER}/x", "http://example.org/x.git", "https://127.0.0.1/x.git"):
            status, body = await post(client, repository, "a" * 40)
            assert status == 403, (repository, body)
