"""/readyz answered ready while a worker's queue was not being consumed (deleted under it, declared again and
consumed again by `Consumer._keep_consuming`): now a consumer that is not consuming makes the service not ready,
as a closed broker connection does, and ready again once it consumes."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from services.shared import runtime, service_endpoints


async def test_a_consumer_not_consuming_is_not_ready() -> None:
    consumer = SimpleNamespace(consuming=True)
    partitioned = SimpleNamespace()  # partition claims say nothing of it: their partitions come and go
    app = web.Application()
    app[runtime.READY] = {"bus": True}
    app[runtime.BUS] = SimpleNamespace(connection=SimpleNamespace(is_closed=False))  # type: ignore[assignment]
    app[runtime.CONSUMERS] = [consumer, partitioned]  # type: ignore[list-item]
    app.router.add_get("/readyz", service_endpoints.readyz)
    async with TestClient(TestServer(app)) as client:
        ready = await client.get("/readyz")
        consumer.consuming = False
        lost: Any = await client.get("/readyz")
        lost_body = await lost.json()
        consumer.consuming = True
        back = await client.get("/readyz")
    assert (ready.status, lost.status, back.status) == (200, 503, 200)
    assert lost_body["consuming"] is False
