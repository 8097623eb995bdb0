"""`greenlight_messages_handled_total` counts each message a consumer handled and acked."""

from __future__ import annotations

import asyncio

from aiohttp.test_utils import TestClient, TestServer
from prometheus_client import generate_latest

from services.shared.bus import Bus
from services.shared.consumer import Subscription
from services.shared.events import ReleaseEvent, first_event
from services.shared.protocol import ReleaseState
from services.shared.runtime import BUS, METRICS, add_subscriptions, service_app
from services.shared.settings import BusSettings
from tests.harness import make_release


async def test_each_handled_message_is_counted_per_queue(bus_settings: BusSettings) -> None:
    seen: asyncio.Queue[str] = asyncio.Queue()

    async def handler(event: ReleaseEvent, bus: Bus) -> None:
        await seen.put(event.release_id)

    app = service_app("counted", bus_settings)
    add_subscriptions(app, lambda app: [Subscription("builder", [ReleaseState.REQUESTED], handler)])
    queue = f"{bus_settings.queue_prefix}builder"
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        before = await (await client.get("/metrics")).text()
        for n in range(3):
            await app[BUS].publish(first_event(make_release(f"r{n}"), actor="ann"))
        for _ in range(3):
            await asyncio.wait_for(seen.get(), 10)
    # Stopping drains the consumers: every handled message is acked and counted by then.
    after = generate_latest(app[METRICS]).decode()
    assert f'greenlight_messages_handled_total{{queue="{queue}"}} 0.0' in before
    assert f'greenlight_messages_handled_total{{queue="{queue}"}} 3.0' in after
