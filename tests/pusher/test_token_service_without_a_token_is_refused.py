"""A registry's token service that answers 200 without a token (a captive proxy's HTML page, JSON that is no
token answer) refuses the push with the reason, at once: it raised a bare ValueError or AttributeError, which
the consumer redelivered up to its delivery limit before failing the release with a Python error's words; a
blank token went on to a 401 that blamed the credentials."""

from __future__ import annotations

import httpx
import pytest
from aiohttp import web

from services.shared.registry.api import HttpRegistryApi
from services.shared.registry.auth import Login
from services.shared.registry.errors import RegistryRefused
from tests.pusher.token_registry import token_auth_registry


@pytest.mark.parametrize(("body", "content_type"), [
    ("<html>Sign in to the guest network</html>", "text/html"),
    ('["not", "a", "token", "answer"]', "application/json"),
    ('{"token": ""}', "application/json"),
    ('{"expires_in": 300}', "application/json"),
])
async def test_a_200_without_a_token_is_refused_saying_so(unused_tcp_port: int, body: str,
                                                           content_type: str) -> None:
    async def token(request: web.Request) -> web.Response:
        return web.Response(text=body, content_type=content_type)

    async with token_auth_registry(unused_tcp_port, token) as registry, httpx.AsyncClient(timeout=10) as client:
        with pytest.raises(RegistryRefused, match="token service answered 200 without a token"):
            await HttpRegistryApi(client).manifest_digest(Login(registry=registry), "app", "tag")
