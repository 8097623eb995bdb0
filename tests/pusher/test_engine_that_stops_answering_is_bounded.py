"""An engine that takes the connection but never answers an inspect or a tag (podman waiting on its storage
lock behind a long build, a wedged daemon) is the engine unavailable after GREENLIGHT_PUSHER_ENGINE_TIMEOUT:
the message goes back to the broker for a retry, instead of the handler waiting forever with it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest
from aiohttp import web

from services.pusher.settings import PusherSettings
from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS
from tests.infra import EventTap
from tests.pusher.conftest import SHA, BuiltImage, built_event


@dataclass
class SilentEngine:
    url: str
    inspects: list[str] = field(default_factory=list)
    again: asyncio.Event = field(default_factory=asyncio.Event)  # a second inspect: the first one was let go


@pytest.fixture
async def silent_engine(unused_tcp_port: int) -> AsyncIterator[SilentEngine]:
    """An Engine API stand-in that answers /_ping and /version (so the pusher starts) and nothing else, ever."""
    engine = SilentEngine(f"tcp://127.0.0.1:{unused_tcp_port}")

    async def version(request: web.Request) -> web.Response:
        return web.json_response({"ApiVersion": "1.41", "Version": "silent"})

    async def inspect(request: web.Request) -> web.Response:
        engine.inspects.append(request.match_info["name"])
        if len(engine.inspects) > 1:
            engine.again.set()
        await asyncio.Event().wait()  # until the server goes
        raise AssertionError("unreachable")

    async def ping(request: web.Request) -> web.Response:
        return web.Response(text="OK", headers={"API-Version": "1.41"})

    app = web.Application()
    app.router.add_get("/_ping", ping)
    app.router.add_get("/version", version)
    app.router.add_get("/v1.41/version", version)
    app.router.add_get("/v1.41/images/{name:.+}/json", inspect)
    runner = web.AppRunner(app, handler_cancellation=True)  # a request let go by its client ends
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", unused_tcp_port).start()
    try:
        yield engine
    finally:
        await runner.cleanup()


async def test_unanswered_inspect_is_retried(pusher, pusher_settings: PusherSettings, tap: EventTap,
                                             silent_engine: SilentEngine, app_name: str) -> None:
    settings = pusher_settings.model_copy(update={"docker_host": silent_engine.url, "engine_timeout": 0.5})
    image = BuiltImage(ref=f"127.0.0.1:5001/{app_name}:{SHA}", id="sha256:" + "a" * 64, app=app_name, commit=SHA)
    async with pusher(settings, engine=None) as app:
        await app[BUS].publish(built_event(image))
        await asyncio.wait_for(silent_engine.again.wait(), 30)

    assert len(silent_engine.inspects) >= 2
    assert tap.of("r1", S.PUSHED, S.FAILED) == []  # the engine is away, not the release at fault
