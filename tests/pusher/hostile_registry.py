"""A proxy in front of a real registry that passes every request on and lets a test rewrite the manifests and blobs
it answers: the registry (or a proxy between) a content-addressed client must not believe."""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import httpx
from aiohttp import web
from multidict import CIMultiDict

from tests.harness import serving

# Hop-by-hop and length headers are the proxy's own to send; everything else passes as the registry sent it.
_DROPPED = {"connection", "keep-alive", "transfer-encoding", "content-length", "content-encoding"}


@dataclass
class Answer:
    method: str
    kind: str  # "manifests" or "blobs"
    reference: str  # the tag or digest the request named
    headers: CIMultiDict[str]
    body: bytes


Rewrite = Callable[[Answer], None]  # changes `answer` (of a manifest or blob request) in place


def reshaped(body: bytes, **fields: object) -> bytes:
    """The manifest `body` with `fields` changed, laid out anew (the bytes differ even with no field changed)."""
    manifest = json.loads(body)
    manifest.update(fields)
    return json.dumps(manifest, indent=2).encode()


@contextlib.asynccontextmanager
async def hostile_registry(upstream: str, rewrite: Rewrite) -> AsyncIterator[str]:
    """host:port of the proxy to `upstream` (host:port of a plain http registry), while it runs."""
    async with httpx.AsyncClient(base_url=f"http://{upstream}", timeout=30) as client:
        async def forward(request: web.Request) -> web.Response:
            headers = {k: v for k, v in request.headers.items() if k.lower() not in _DROPPED | {"host"}}
            sent = await client.request(request.method, request.path_qs, headers=headers,
                                        content=await request.read())
            *_, kind, reference = request.path.split("/")
            answer = Answer(request.method, kind, reference,
                            CIMultiDict((k, v) for k, v in sent.headers.items() if k.lower() not in _DROPPED),
                            sent.content)
            if kind in ("manifests", "blobs") and sent.status_code == 200:
                rewrite(answer)
            return web.Response(status=sent.status_code, headers=answer.headers,
                                body=None if request.method == "HEAD" else answer.body)

        app = web.Application()
        app.router.add_route("*", "/{path:.*}", forward)
        async with serving(app, port=0) as url:
            yield url.removeprefix("http://")
