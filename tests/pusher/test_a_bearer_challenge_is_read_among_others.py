"""A registry's 401 may carry several challenges (RFC 9110 §11.6.1): in separate `WWW-Authenticate` headers or
comma-separated in one, Bearer anywhere among them (a registry behind an SPNEGO or basic-auth proxy, Harbor and
Artifactory set-ups; go-containerregistry #1075). The adapter looked for `realm="..."` anywhere in the joined
headers: a Basic challenge first hid the Bearer one (the read refused "unauthorized"), and a Basic challenge after
it replaced the realm with its own ("unusable auth challenge"). A parameter sent as a token, not a quoted string
(`service=registry`, which the grammar allows), was dropped from the token request, so the token service did not know
which service the token was for. The Bearer challenge's own parameters are read, wherever it sits."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import httpx
import pytest
from aiohttp import web
from multidict import CIMultiDict
from pydantic import SecretStr

from services.shared.registry.api import HttpRegistryApi
from services.shared.registry.auth import Login
from tests.harness import serving

TOKEN = "issued"


@contextlib.asynccontextmanager
async def challenging(challenges: list[str]) -> AsyncIterator[tuple[str, list[dict[str, str]]]]:
    """(host:port of a registry answering 401 with `challenges` ({base}: its URL), each token request's query)."""
    asked: list[dict[str, str]] = []
    base = ""

    async def manifest(request: web.Request) -> web.Response:
        if request.headers.get("Authorization") == f"Bearer {TOKEN}":
            return web.json_response({"errors": [{"code": "MANIFEST_UNKNOWN"}]}, status=404)
        headers = CIMultiDict(("WWW-Authenticate", challenge.format(base=base)) for challenge in challenges)
        return web.Response(status=401, headers=headers)

    async def token(request: web.Request) -> web.Response:
        asked.append(dict(request.query))
        return web.json_response({"token": TOKEN})

    app = web.Application()
    app.router.add_route("*", "/v2/{name}/manifests/{ref}", manifest)
    app.router.add_get("/token", token)
    async with serving(app, port=0) as url:
        base = url
        yield url.removeprefix("http://"), asked


BEARER = 'Bearer realm="{base}/token",service="registry",scope="repository:app:pull,push"'


@pytest.mark.parametrize("challenges", [
    ['Basic realm="registry"', BEARER],
    [f'Basic realm="registry", {BEARER}'],
    [f'{BEARER}, Basic realm="registry"'],
    [BEARER, 'Basic realm="registry"'],
    [f'Negotiate, {BEARER}'],
    ['Bearer realm="{base}/token", service=registry , scope="repository:app:pull,push"'],
], ids=["basic-header-first", "basic-first", "basic-after", "basic-header-after", "negotiate-first", "token-param"])
async def test_the_bearer_challenge_is_answered_with_its_own_parameters(challenges: list[str]) -> None:
    async with challenging(challenges) as (registry, asked), httpx.AsyncClient(timeout=10) as client:
        login = Login(registry=registry, username="ann", password=SecretStr("pw"))
        assert await HttpRegistryApi(client).manifest_digest(login, "app", "v1") is None
    assert asked == [{"service": "registry", "scope": "repository:app:pull,push"}]
