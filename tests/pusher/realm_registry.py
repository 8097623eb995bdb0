"""A registry stand-in whose Bearer challenge names the token realm a test chooses, and a token service that notes
what each token request carried: where a registry's credentials went."""

from __future__ import annotations

import contextlib
import ssl
from collections.abc import AsyncIterator

from aiohttp import web

TOKEN = "t0ken"


@contextlib.asynccontextmanager
async def _site(app: web.Application, tls: ssl.SSLContext | None) -> AsyncIterator[int]:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    try:
        site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=tls)
        await site.start()
        yield site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    finally:
        await runner.cleanup()


@contextlib.asynccontextmanager
async def token_service(tls: ssl.SSLContext | None = None) -> AsyncIterator[tuple[int, list[str | None]]]:
    """(its port, the Authorization header of each token request so far)."""
    seen: list[str | None] = []

    async def token(request: web.Request) -> web.Response:
        seen.append(request.headers.get("Authorization"))
        return web.json_response({"token": TOKEN})

    app = web.Application()
    app.router.add_get("/token", token)
    async with _site(app, tls) as port:
        yield port, seen


@contextlib.asynccontextmanager
async def challenging_registry(realm: str, tls: ssl.SSLContext | None = None) -> AsyncIterator[str]:
    """host:port of a registry that asks for a token from `realm` and, given it, holds no manifest (404)."""

    async def manifest(request: web.Request) -> web.Response:
        if request.headers.get("Authorization") == f"Bearer {TOKEN}":
            return web.json_response({"errors": [{"code": "MANIFEST_UNKNOWN"}]}, status=404)
        challenge = f'Bearer realm="{realm}",service="registry",scope="repository:app:pull"'
        return web.Response(status=401, headers={"WWW-Authenticate": challenge})

    app = web.Application()
    app.router.add_route("*", "/v2/{name:.+}/manifests/{ref}", manifest)
    app.router.add_get("/token", lambda request: web.json_response({"token": TOKEN}))
    async with _site(app, tls) as port:
        yield f"127.0.0.1:{port}"
