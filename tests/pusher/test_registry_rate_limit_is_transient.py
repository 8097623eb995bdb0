"""A registry's rate limit (HTTP 429, error code TOOMANYREQUESTS: Docker Hub, GHCR, Quay...) is retried after a
backoff, whether the engine relays it in its own words or the registry's token service answers 429."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from aiohttp import web

from services.pusher.errors import TransientRegistryError, classify
from services.shared.registry.api import HttpRegistryApi
from services.shared.registry.auth import Login
from tests.pusher.token_registry import token_auth_registry


@pytest.mark.parametrize("message", [
    # As Docker and podman print the registry's TOOMANYREQUESTS error, with no status number.
    "toomanyrequests: You have reached your pull rate limit. You may increase the limit by authenticating "
    "and upgrading: https://www.docker.com/increase-rate-limit",
    "writing blob: initiating layer upload to /v2/team/app/blobs/uploads/ in ghcr.io: toomanyrequests: "
    "retry-after: 1.2s, allowed: 44000/minute",
])
def test_engine_relayed_rate_limit_is_transient(message: str) -> None:
    error = classify(message)
    assert type(error) is TransientRegistryError and str(error) == message


@pytest.fixture
async def rate_limited_token_service(unused_tcp_port: int) -> AsyncIterator[str]:
    """A token-auth registry (401 with a Bearer challenge) whose token service answers 429."""
    async def token(request: web.Request) -> web.Response:
        return web.json_response({"errors": [{"code": "TOOMANYREQUESTS", "message": "slow down"}]}, status=429,
                                 headers={"Retry-After": "1"})

    async with token_auth_registry(unused_tcp_port, token) as registry:
        yield registry


async def test_token_service_rate_limit_is_transient(rate_limited_token_service: str) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        api = HttpRegistryApi(client)
        with pytest.raises(TransientRegistryError, match="429"):
            await api.manifest_digest(Login(registry=rate_limited_token_service), "app", "tag")
