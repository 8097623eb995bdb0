"""What a registry answers was read whole into memory, however large: a registry (or the storage a blob redirects to,
or a proxy between) answering a manifest, an image config or a token with gigabytes, or a few kilobytes of gzip that
inflate to them, or a redirect with a body no one reads (httpx reads it all before following), held the pusher's
or the builder's memory for as long as the request's time bound let it flow. An answer is read up to
`*_REGISTRY_MAX_RESPONSE_BYTES` (4 MiB by default, as oras-go and most registries bound a manifest), then refused;
a redirect's body is not read at all."""

from __future__ import annotations

import contextlib
import gzip
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
from aiohttp import web

from services.shared.registry.api import HttpRegistryApi
from services.shared.registry.auth import Login
from services.shared.registry.errors import RegistryRefused
from tests.harness import serving

MiB = 1 << 20
HUGE = 64 * MiB  # well past the limit and any socket buffer: a reader that stops early is seen to stop


@dataclass
class Sent:
    finished: bool = False  # the whole huge body went out: someone read it


def padded_manifest(size: int) -> bytes:
    head = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json"})
    return (head[:-1] + ', "annotations": {"pad": "' + "x" * size + '"}}').encode()


async def stream(request: web.Request, body: bytes, sent: Sent, status: int = 200,
                 **headers: str) -> web.StreamResponse:
    response = web.StreamResponse(status=status, headers={"Content-Type": "application/json", **headers})
    await response.prepare(request)
    with contextlib.suppress(ConnectionError):
        for at in range(0, len(body), MiB):
            await response.write(body[at:at + MiB])
        sent.finished = True
    return response


@contextlib.asynccontextmanager
async def oversized(kind: str) -> AsyncIterator[tuple[str, Sent]]:
    sent = Sent()
    small = padded_manifest(10)

    async def manifest(request: web.Request) -> web.StreamResponse:
        if request.method == "HEAD":  # no digest on HEAD: the manifest is read
            return web.Response(headers={"Content-Type": "application/json"})
        if kind == "plain":
            return await stream(request, padded_manifest(HUGE), sent)
        if kind == "gzip":
            return await stream(request, gzip.compress(padded_manifest(HUGE)), sent, **{"Content-Encoding": "gzip"})
        # A redirect to a small manifest, with a huge body that is no part of the answer.
        return await stream(request, b" " * HUGE, sent, status=307, Location="/small")

    app = web.Application()
    app.router.add_route("*", "/v2/{name}/manifests/{ref}", manifest)
    app.router.add_get("/small", lambda request: web.Response(body=small, content_type="application/json"))
    async with serving(app, port=0) as url:
        yield url.removeprefix("http://"), sent


@pytest.mark.parametrize("kind", ["plain", "gzip"])
async def test_an_oversized_manifest_is_refused_unread(kind: str) -> None:
    async with oversized(kind) as (registry, sent), httpx.AsyncClient(timeout=30) as client:
        with pytest.raises(RegistryRefused, match=r"more than 4194304 bytes"):
            await HttpRegistryApi(client).manifest_digest(Login(registry=registry), "app", "v1")
    assert kind == "gzip" or not sent.finished  # a gzip bomb is small: only its inflating is stopped


async def test_a_redirects_body_is_not_read() -> None:
    async with oversized("redirect") as (registry, sent), httpx.AsyncClient(timeout=30) as client:
        digest = await HttpRegistryApi(client).manifest_digest(Login(registry=registry), "app", "v1")
    assert digest is not None and digest.startswith("sha256:")
    assert not sent.finished
