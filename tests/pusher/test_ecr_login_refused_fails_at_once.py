"""ECR refusing the token request (wrong or expired AWS keys, no ecr:GetAuthorizationToken permission) fails
the release at once with ECR's words: no redelivery after redelivery up to the delivery limit."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web

from services.pusher.settings import PusherSettings
from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS
from tests.infra import EventTap
from tests.pusher.conftest import BuiltImage, CountingEngine, built_event

INVALID = "The security token included in the request is invalid."


@pytest.fixture
async def refusing_ecr(unused_tcp_port: int) -> AsyncIterator[tuple[str, list[str]]]:
    """An ECR API stand-in answering every call as ECR does for keys it does not know (400, JSON protocol)."""
    calls: list[str] = []

    async def api(request: web.Request) -> web.Response:
        calls.append(request.headers.get("X-Amz-Target", "").rpartition(".")[2])
        return web.json_response({"__type": "UnrecognizedClientException", "message": INVALID}, status=400,
                                 content_type="application/x-amz-json-1.1")

    app = web.Application()
    app.router.add_post("/", api)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", unused_tcp_port).start()
    try:
        yield f"http://127.0.0.1:{unused_tcp_port}", calls
    finally:
        await runner.cleanup()


async def test_refused_token_request_fails_once(pusher, ecr_settings: PusherSettings, aws: Any, tap: EventTap,
                                                engine: CountingEngine, built_image: BuiltImage,
                                                refusing_ecr: tuple[str, list[str]],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    endpoint, calls = refusing_ecr
    monkeypatch.setenv("AWS_ENDPOINT_URL_ECR", endpoint)
    async with pusher(ecr_settings) as app:
        await app[BUS].publish(built_event(built_image))
        failed = await tap.wait("r1", S.PUSHED, S.FAILED, timeout=60)

    assert failed.state == S.FAILED
    assert failed.release.error is not None
    assert failed.release.error.reason == f"ECR refused (UnrecognizedClientException): {INVALID}"
    assert calls == ["GetAuthorizationToken"]  # once: a refusal is not tried again
    assert engine.pushes == []
