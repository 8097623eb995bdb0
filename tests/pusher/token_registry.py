"""A token-auth registry stand-in: every manifest request is a 401 with a Bearer challenge pointing at its own
token service, whose answer the test chooses (what a real registry cannot be made to answer on demand)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable

from aiohttp import web

TokenAnswer = Callable[[web.Request], Awaitable[web.Response]]


@contextlib.asynccontextmanager
async def token_auth_registry(port: int, token: TokenAnswer) -> AsyncIterator[str]:
    """The registry's host:port, on loopback, while it runs."""
    base = f"http://127.0.0.1:{port}"

    async def manifest(request: web.Request) -> web.Response:
        challenge = f'Bearer realm="{base}/token",service="registry",scope="repository:app:pull"'
        return web.Response(status=401, headers={"WWW-Authenticate": challenge})

    app = web.Application()
    app.router.add_route("*", "/v2/{name}/manifests/{ref}", manifest)
    app.router.add_get("/token", token)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield f"127.0.0.1:{port}"
    finally:
        await runner.cleanup()
