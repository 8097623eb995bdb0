"""Blob and manifest reads redirect to storage elsewhere (S3 behind ECR, a CDN): the registry's credentials (basic
auth, a static token or one traded for them) go with a redirect to the registry's own origin only, never to the host
a redirect names, whichever hop names it. The adapter follows redirects itself (capped.py: no redirect's body is
read), so this is its own doing, not httpx's."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import httpx
import pytest
from aiohttp import web
from pydantic import SecretStr

from services.shared.registry.api import HttpRegistryApi
from services.shared.registry.auth import Login
from tests.harness import serving
from tests.pusher.hostile_registry import reshaped

MANIFEST = reshaped(b'{"schemaVersion": 2}')


@contextlib.asynccontextmanager
async def redirecting() -> AsyncIterator[tuple[str, dict[str, str | None]]]:
    """host:port of a registry whose manifest moved on its own origin, then to storage on another origin (the same
    machine by another name); the Authorization each hop received."""
    seen: dict[str, str | None] = {}
    storage = ""

    async def manifest(request: web.Request) -> web.Response:
        seen["registry"] = request.headers.get("Authorization")
        raise web.HTTPTemporaryRedirect("/moved")

    async def moved(request: web.Request) -> web.Response:
        seen["moved"] = request.headers.get("Authorization")
        raise web.HTTPTemporaryRedirect(f"{storage}/object")

    async def stored(request: web.Request) -> web.Response:
        seen["storage"] = request.headers.get("Authorization")
        return web.Response(body=MANIFEST, content_type="application/vnd.oci.image.manifest.v1+json")

    registry_app, storage_app = web.Application(), web.Application()
    registry_app.router.add_get("/v2/{name}/manifests/{ref}", manifest)
    registry_app.router.add_get("/moved", moved)
    storage_app.router.add_get("/object", stored)
    async with serving(registry_app, port=0) as registry, serving(storage_app, port=0) as elsewhere:
        storage = elsewhere.replace("127.0.0.1", "localhost")
        yield registry.removeprefix("http://"), seen


@pytest.mark.parametrize("login", [
    {"username": "ann", "password": SecretStr("s3cret-pw")},
    {"token": SecretStr("static-token")},
], ids=["basic", "token"])
async def test_credentials_stay_on_the_registrys_origin(login: dict[str, object]) -> None:
    async with redirecting() as (registry, seen), httpx.AsyncClient(timeout=10) as client:
        api = HttpRegistryApi(client)
        config = await api.config_digest(Login(registry=registry, **login), "app", "v1")  # type: ignore[arg-type]
    assert config is None  # the manifest has no config: it was read, through both redirects
    assert seen["registry"] and seen["moved"] == seen["registry"]
    assert seen["storage"] is None
