"""A Docker-API engine that answers its ping and version and redirects every other call to itself for ever: aiohttp
gives up with TooManyRedirects, a ClientResponseError whose repr carries the request's headers (X-Registry-Auth
included)."""

from __future__ import annotations

from aiohttp import web


def redirecting_engine(not_found: str | None = None) -> web.Application:
    """The engine; `not_found`, a GET route it answers 404 (an image inspect before a pull)."""

    async def version(request: web.Request) -> web.Response:
        return web.json_response({"ApiVersion": "1.41", "Version": "4.3.1"})

    async def missing(request: web.Request) -> web.Response:
        return web.json_response({"message": "no such image"}, status=404)

    async def loop(request: web.Request) -> web.Response:
        raise web.HTTPFound(str(request.url))  # the same call again, for ever

    async def ping(request: web.Request) -> web.Response:
        return web.Response(text="OK", headers={"API-Version": "1.41"})

    engine = web.Application()
    engine.router.add_get("/_ping", ping)
    engine.router.add_get("/version", version)
    if not_found is not None:
        engine.router.add_get(not_found, missing)
    engine.router.add_route("*", "/{tail:.*}", loop)
    return engine
