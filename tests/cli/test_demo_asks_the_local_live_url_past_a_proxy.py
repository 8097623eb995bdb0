"""`greenlight demo` asks the local platform's live URL (loopback) directly, past the environment's proxy.

With HTTP_PROXY set and no NO_PROXY, httpx sent that check to the proxy: a proxy elsewhere cannot reach this
machine's 127.0.0.1, so the demo said the live release was not served ("the platform lost it") and released the app
again every time it ran."""

from __future__ import annotations

import asyncio

import pytest
from aiohttp import web

from services.cli.demo import _not_served
from tests.harness import serving
from tests.ports import free_port


async def test_the_live_url_check_is_not_sent_to_a_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    async def live(request: web.Request) -> web.Response:
        return web.Response(text=f"served for {request.host}")

    app = web.Application()
    app.router.add_get("/", live)
    async with serving(app, port=0) as url:
        port = int(url.rsplit(":", 1)[1].rstrip("/"))
        monkeypatch.setenv("GREENLIGHT_PLATFORM", "local")
        monkeypatch.setenv("GREENLIGHT_LOCAL_PUBLIC_HOST", "127.0.0.1")
        monkeypatch.setenv("GREENLIGHT_LOCAL_LIVE_PORT", str(port))
        monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{free_port()}")  # nothing listens there
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        assert await asyncio.to_thread(_not_served, "tmapp") is None
