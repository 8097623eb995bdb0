"""An engine that takes the connection but never answers the builder's inspect of the release's tag (podman waiting
on its storage lock, a wedged daemon) is the engine unavailable after a bound, retried later like any engine
outage: aiodocker's client has no timeout of its own, so the handler held the release's message for ever."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import aiodocker
import pytest
from aiohttp import web

from services.builder.engine import DockerEngine
from services.builder.image_builds import EngineUnavailable
from tests.ports import free_ports


@pytest.fixture
async def silent_engine() -> AsyncIterator[str]:
    """An Engine API stand-in that takes every request and never answers."""

    async def silent(request: web.Request) -> web.Response:
        await asyncio.Event().wait()  # until the server goes
        raise AssertionError("unreachable")

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", silent)
    runner = web.AppRunner(app, handler_cancellation=True)
    await runner.setup()
    port = free_ports(1)
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield f"tcp://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


async def test_unanswered_inspect_is_the_engine_unavailable(silent_engine: str) -> None:
    docker = aiodocker.Docker(url=silent_engine, api_version="v1.41")
    try:
        engine = DockerEngine(docker, timeout=300, tail_lines=40, call_timeout=0.5)
        async with asyncio.timeout(10):
            with pytest.raises(EngineUnavailable, match="did not answer"):
                await engine.image_labels("127.0.0.1:5001/app:" + "a" * 40)
    finally:
        await docker.close()
