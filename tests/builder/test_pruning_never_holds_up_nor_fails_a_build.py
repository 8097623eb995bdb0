"""Pruning runs after `built` is published, and an engine that fails it only costs a log line: here the engine the
pruning asks holds its request (the build's own engine answers), so `built` comes while the pruning waits; then it
answers 500, and the release stays built, its message settled once, and the next build goes on as before."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import aiodocker
import pytest
from aiohttp import web

from services.builder.app import create_app
from services.builder.engine_images import EngineImages
from services.builder.settings import BuilderSettings
from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS
from tests.builder.conftest import CountingEngine, request
from tests.builder.retention_helpers import commits, retaining
from tests.harness import running
from tests.infra import EventTap
from tests.ports import free_ports


class HeldEngine:
    """An Engine API stand-in: each request waits for `answer`, then gets a 500."""

    def __init__(self) -> None:
        self.asked = asyncio.Event()
        self.answer = asyncio.Event()

    async def handle(self, request: web.Request) -> web.Response:
        self.asked.set()
        await self.answer.wait()
        return web.json_response({"message": "storage is wedged"}, status=500)


@pytest.fixture
async def held_engine() -> AsyncIterator[tuple[HeldEngine, str]]:
    held = HeldEngine()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", held.handle)
    runner = web.AppRunner(app, handler_cancellation=True)
    await runner.setup()
    port = free_ports(1)
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield held, f"tcp://127.0.0.1:{port}"
    finally:
        held.answer.set()
        await runner.cleanup()


async def test_pruning_neither_delays_nor_fails(builder_settings: BuilderSettings, tap: EventTap, tmp_path: Path,
                                                app_name: str, engine: CountingEngine,
                                                held_engine: tuple[HeldEngine, str]) -> None:
    held, url = held_engine
    repo, shas = commits(tmp_path, 2)
    docker = aiodocker.Docker(url=url, api_version="v1.41")
    try:
        images = EngineImages(docker, call_timeout=60)
        service = create_app(retaining(builder_settings, 1), engine=engine, images=images)
        async with running(service):
            await service[BUS].publish(request(repo.url, shas[0], app_name, rid="r0"))
            built = await tap.wait("r0", S.BUILT, S.FAILED, timeout=180)
            assert built.state == S.BUILT, built.release.error
            await asyncio.wait_for(held.asked.wait(), 60)  # the pruning is under way, waiting on the engine
            assert not held.answer.is_set()
            held.answer.set()  # and now fails

            await service[BUS].publish(request(repo.url, shas[1], app_name, rid="r1"))
            built = await tap.wait("r1", S.BUILT, S.FAILED, timeout=180)
            assert built.state == S.BUILT, built.release.error
        # Stopped once both prunings ended: neither message came back to be handled again.
        assert [e.state for e in tap.of("r0")] == [S.REQUESTED, S.BUILDING, S.BUILT]
        assert [e.state for e in tap.of("r1")] == [S.REQUESTED, S.BUILDING, S.BUILT]
    finally:
        await docker.close()
