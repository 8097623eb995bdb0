"""Which registry failures are retried and which fail the release at once."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from aiohttp import web

from services.pusher.errors import RegistryRefused, RegistryUnauthorized, TransientRegistryError, classify
from services.shared.registry.api import HttpRegistryApi
from services.shared.registry.auth import Login


@pytest.mark.parametrize(("message", "kind"), [
    ('pinging container registry 127.0.0.1:5009: Get "https://127.0.0.1:5009/v2/": dial tcp '
     "127.0.0.1:5009: connect: connection refused", TransientRegistryError),
    ("received unexpected HTTP status: 503 Service Unavailable", TransientRegistryError),
    ("net/http: TLS handshake timeout", TransientRegistryError),
    ("checking whether a blob exists in 127.0.0.1:5002/x: unauthorized: authentication required",
     RegistryUnauthorized),
    ("denied: requested access to the resource is denied", RegistryUnauthorized),
    ("manifest invalid: manifest invalid", RegistryRefused),
    ("tag invalid: The image tag 'abc' already exists in the 'x' repository and cannot be overwritten "
     "because the repository is immutable.", RegistryRefused),
    ("something nobody has seen before", RegistryRefused),
    # Both kinds of words: retrying a refusal could only fail again, so the permanent one decides. (A refused
    # login is RegistryUnauthorized, still a refusal: only a renewable ECR token gets one fresh try.)
    ("unauthorized: authentication required; then: read tcp 127.0.0.1:5002: i/o timeout", RegistryUnauthorized),
    ("received unexpected HTTP status: 503 Service Unavailable (denied: requested access to the resource "
     "is denied)", RegistryUnauthorized),
    ("error parsing HTTP 403 response body: unexpected EOF", RegistryUnauthorized),
])
def test_engine_push_errors(message: str, kind: type[Exception]) -> None:
    error = classify(message)
    assert type(error) is kind and str(error) == message  # the registry's own words reach the release


@pytest.fixture
async def flaky_registry(unused_tcp_port: int) -> AsyncIterator[tuple[str, list[int]]]:
    """A registry stand-in answering 503 once, then 404 (no such manifest)."""
    answers = [503, 404]

    async def manifest(request: web.Request) -> web.Response:
        return web.Response(status=answers.pop(0) if len(answers) > 1 else answers[0])

    app = web.Application()
    app.router.add_route("*", "/v2/{name}/manifests/{ref}", manifest)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", unused_tcp_port).start()
    try:
        yield f"127.0.0.1:{unused_tcp_port}", answers
    finally:
        await runner.cleanup()


async def test_registry_5xx_is_transient_then_404_is_absent(flaky_registry: tuple[str, list[int]]) -> None:
    registry, _ = flaky_registry
    async with httpx.AsyncClient() as client:
        api = HttpRegistryApi(client)
        with pytest.raises(TransientRegistryError, match="answered 503"):
            await api.manifest_digest(Login(registry=registry), "app", "tag")
        assert await api.manifest_digest(Login(registry=registry), "app", "tag") is None


async def test_loopback_registries_speak_http_others_https() -> None:
    async with httpx.AsyncClient() as client:
        api = HttpRegistryApi(client)
    assert api.base_url("127.0.0.1:5001") == "http://127.0.0.1:5001"
    assert api.base_url("localhost:5000") == "http://localhost:5000"
    assert api.base_url("123456789012.dkr.ecr.us-east-1.amazonaws.com") == (
        "https://123456789012.dkr.ecr.us-east-1.amazonaws.com")
