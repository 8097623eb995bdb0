"""A token-auth registry (Docker Hub, GHCR, Harbor...) that refuses a manifest read made with the token it handed out
(a robot account without access to the repository: 403 DENIED) answers a HEAD without a body, so its words are read
with a GET. That GET went out with the username and password (httpx's basic auth replaces an Authorization header),
not the token: the registry answered it "authentication required", and the release failed saying so under the 403,
hiding that the account is denied the repository. The words are read with the token the refused request carried."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import httpx
import pytest
from aiohttp import web
from pydantic import SecretStr

from services.shared.registry.api import HttpRegistryApi
from services.shared.registry.auth import Login
from services.shared.registry.errors import RegistryUnauthorized
from tests.harness import serving


@contextlib.asynccontextmanager
async def denying_registry() -> AsyncIterator[str]:
    """host:port whose token service hands out a token the registry then refuses for the repository (403)."""
    base = ""

    async def manifest(request: web.Request) -> web.Response:
        if request.headers.get("Authorization") == "Bearer issued":
            return web.json_response({"errors": [{"code": "DENIED", "message": "requested access to the resource "
                                                  "is denied"}]}, status=403)
        challenge = f'Bearer realm="{base}/token",service="registry",scope="repository:app:pull"'
        return web.json_response({"errors": [{"code": "UNAUTHORIZED", "message": "authentication required"}]},
                                 status=401, headers={"WWW-Authenticate": challenge})

    async def token(request: web.Request) -> web.Response:
        return web.json_response({"token": "issued"})

    app = web.Application()
    app.router.add_route("*", "/v2/{name}/manifests/{ref}", manifest)
    app.router.add_get("/token", token)
    async with serving(app, port=0) as url:
        base = url
        yield url.removeprefix("http://")


async def test_a_denied_head_is_reported_in_the_registrys_words() -> None:
    async with denying_registry() as registry, httpx.AsyncClient(timeout=10) as client:
        api = HttpRegistryApi(client)
        login = Login(registry=registry, username="robot", password=SecretStr("robot-password"))
        with pytest.raises(RegistryUnauthorized,
                           match=r"refused \(403\): DENIED: requested access to the resource is denied"):
            await api.manifest_digest(login, "app", "tag")
