"""A builder or pusher checked its engine at start with `/version`, and aiodocker's "auto" API version asked
`/version` again at the first call. podman's `/version` runs its helpers and `dpkg-query --search` for conmon and
runc: 1.3 s of a core each, at every start (seen as a dpkg-query at 100 % of a core, several a minute through a test
run). The start asks `/_ping` alone and takes the API version from its header, as the Docker CLI negotiates."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp import web

from services.shared.startup import open_engine
from tests.harness import serving
from tests.infra import engine_url  # noqa: F401 - the fixture


@pytest.fixture
async def counting_engine() -> AsyncIterator[tuple[str, list[str]]]:
    asked: list[str] = []

    async def ping(request: web.Request) -> web.Response:
        asked.append(request.path)
        return web.Response(text="OK", headers={"API-Version": "1.41", "Libpod-Api-Version": "4.3.1"})

    async def answer(request: web.Request) -> web.Response:
        asked.append(request.path)
        return web.json_response([] if request.path.endswith("/json") else {"ApiVersion": "1.41"})

    app = web.Application()
    app.router.add_get("/_ping", ping)
    app.router.add_get("/{tail:.*}", answer)
    async with serving(app, port=0) as url:
        yield url.replace("http://", "tcp://").rstrip("/"), asked


async def test_the_start_asks_ping_once_and_never_version(counting_engine: tuple[str, list[str]]) -> None:
    url, asked = counting_engine
    docker = await open_engine(url, "GREENLIGHT_BUILDER_DOCKER_HOST")
    try:
        assert docker.api_version == "v1.41"
        await docker.images.list()
    finally:
        await docker.close()
    assert asked == ["/_ping", "/v1.41/images/json"]


async def test_a_pinned_version_stays_pinned(counting_engine: tuple[str, list[str]]) -> None:
    url, asked = counting_engine
    docker = await open_engine(url, "GREENLIGHT_LOCAL_DOCKER_HOST", api_version="v1.40")
    try:
        await docker.images.list()
    finally:
        await docker.close()
    assert asked == ["/_ping", "/v1.40/images/json"]


async def test_the_real_engine_names_its_api_version_in_its_ping(engine_url: str) -> None:  # noqa: F811
    docker = await open_engine(engine_url, "GREENLIGHT_BUILDER_DOCKER_HOST")
    try:
        assert docker.api_version != "auto" and docker.api_version.startswith("v1.")
        assert isinstance(await docker.images.list(), list)
    finally:
        await docker.close()
