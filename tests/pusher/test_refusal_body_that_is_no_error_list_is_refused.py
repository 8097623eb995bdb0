"""A registry (or the proxy in front of it) refusing a manifest request with JSON that is not the distribution
spec's `{"errors": [{code, message}]}` (a list, `{"errors": "denied"}`, `{"errors": [“text”]}`) raised a bare
AttributeError from the adapter: no refusal, so the consumer redelivered the push up to its delivery limit and
failed the release with a Python error's words ("gave up: AttributeError(...)"), and the builder's lookup crashed
its build the same way instead of building. It is the registry's refusal, with what it said."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import httpx
import pytest
from aiohttp import web

from services.shared.registry.api import HttpRegistryApi
from services.shared.registry.auth import Login
from services.shared.registry.errors import RegistryRefused, RegistryUnauthorized
from tests.harness import serving


@contextlib.asynccontextmanager
async def refusing_registry(status: int, body: str) -> AsyncIterator[str]:
    async def manifest(request: web.Request) -> web.Response:
        return web.Response(status=status, text=body, content_type="application/json")

    app = web.Application()
    app.router.add_route("*", "/v2/{name}/manifests/{ref}", manifest)
    async with serving(app, port=0) as url:
        yield url.removeprefix("http://")


@pytest.mark.parametrize(("status", "refusal"), [(403, RegistryUnauthorized), (400, RegistryRefused)])
@pytest.mark.parametrize("body", ['["denied by policy"]', '{"errors": "denied by policy"}',
                                  '{"errors": ["denied by policy"]}', '"denied by policy"'])
async def test_an_odd_refusal_body_is_a_refusal(status: int, refusal: type[Exception],
                                               body: str) -> None:
    async with refusing_registry(status, body) as registry, \
            httpx.AsyncClient(timeout=10) as client:
        api = HttpRegistryApi(client)
        for read in (api.manifest_digest, api.config_digest, api.image_config):
            with pytest.raises(refusal, match=rf"refused \({status}\): .*denied by policy"):
                await read(Login(registry=registry), "app", "tag")
