"""An Engine API stand-in for the answers the real engine cannot be made to give on demand: an error status of
the test's choosing (podman's 500 while its storage is locked, a 409), a push stream cut off mid-line, a push
stream line that is not JSON. Inspect answers an image unless told otherwise; tag succeeds unless told otherwise."""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from aiohttp import web

IMAGE_ID = "sha256:" + "a" * 64
Error = tuple[int, str]  # status, message


@dataclass
class FakeEngine:
    url: str = ""
    inspect_error: Error | None = None
    tag_error: Error | None = None
    push_error: Error | None = None
    push_stream: bytes = b'{"status":"Pushing"}\n'
    cut: bool = False  # the connection drops after `push_stream`, mid-chunk
    calls: list[str] = field(default_factory=list)


def _error(error: Error) -> web.Response:
    # As the engines send it: exactly "application/json" (aiodocker reads `message` only then).
    return web.Response(status=error[0], body=json.dumps({"message": error[1]}).encode(),
                        headers={"Content-Type": "application/json"})


@contextlib.asynccontextmanager
async def fake_engine(port: int, engine: FakeEngine) -> AsyncIterator[FakeEngine]:
    engine.url = f"tcp://127.0.0.1:{port}"

    async def version(request: web.Request) -> web.Response:
        return web.json_response({"ApiVersion": "1.41", "Version": "fake"})

    async def inspect(request: web.Request) -> web.Response:
        engine.calls.append("inspect")
        if engine.inspect_error is not None:
            return _error(engine.inspect_error)
        return web.json_response({"Id": IMAGE_ID, "RepoDigests": []})

    async def tag(request: web.Request) -> web.Response:
        engine.calls.append("tag")
        return _error(engine.tag_error) if engine.tag_error is not None else web.Response(status=201)

    async def push(request: web.Request) -> web.StreamResponse:
        engine.calls.append("push")
        if engine.push_error is not None:
            return _error(engine.push_error)
        response = web.StreamResponse(headers={"Content-Type": "application/json"})
        response.enable_chunked_encoding()
        await response.prepare(request)
        await response.write(engine.push_stream)
        if engine.cut:
            assert request.transport is not None
            request.transport.close()
        else:
            await response.write_eof()
        return response

    async def ping(request: web.Request) -> web.Response:
        return web.Response(text="OK", headers={"API-Version": "1.41"})

    app = web.Application()
    app.router.add_get("/_ping", ping)
    for prefix in ("", "/v1.41"):
        app.router.add_get(f"{prefix}/version", version)
    app.router.add_get("/v1.41/images/{name:.+}/json", inspect)
    app.router.add_post("/v1.41/images/{name:.+}/tag", tag)
    app.router.add_post("/v1.41/images/{name:.+}/push", push)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield engine
    finally:
        await runner.cleanup()
