"""On a stop (SIGTERM) a service with several subscriptions (the approval service: the deadline watcher and the
approval policy) takes no new message on any of them while its in-flight work finishes.

The consumers were stopped one after another, each draining its in-flight handlers (up to the grace period) before
the next was even cancelled: while the first drained, the others went on taking new messages and starting their
handlers after the stop had begun, which the stop's deadline then cut off mid-step (each cut-off message returned,
spending one of its allowed deliveries). Now every consumer stops taking at once, then all drain together.
"""

from __future__ import annotations

import asyncio
import contextlib

from aiohttp import web

from services.shared.bus import Bus
from services.shared.consumer import Subscription
from services.shared.events import ReleaseEvent, first_event
from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS, CONSUMERS, add_subscriptions, service_app
from services.shared.settings import BusSettings
from tests.harness import make_release


async def test_no_subscription_takes_a_message_once_the_stop_began(bus_settings: BusSettings,
                                                                   probe: web.Application) -> None:
    first_running, finish = asyncio.Event(), asyncio.Event()
    seen: dict[str, list[str]] = {"slow": [], "quick": []}

    async def slow(event: ReleaseEvent, bus: Bus) -> None:
        seen["slow"].append(event.release_id)
        first_running.set()
        await finish.wait()

    async def quick(event: ReleaseEvent, bus: Bus) -> None:
        seen["quick"].append(event.release_id)

    prefix = bus_settings.queue_prefix
    service = service_app("two", bus_settings)
    add_subscriptions(service, lambda app: [
        Subscription("slow", [S.REQUESTED], slow, queue=f"{prefix}a", skip_ended=False),
        Subscription("quick", [S.REQUESTED], quick, queue=f"{prefix}b", skip_ended=False)])
    runner = web.AppRunner(service)
    await runner.setup()
    stopping: asyncio.Task[None] | None = None
    try:
        await probe[BUS].publish(first_event(make_release("r1"), actor="ann"))
        await asyncio.wait_for(first_running.wait(), 10)
        stopping = asyncio.create_task(runner.cleanup())  # what SIGTERM does under run_app
        slow_consumer, quick_consumer = service[CONSUMERS]
        await asyncio.wait_for(slow_consumer.draining.wait(), 10)
        with contextlib.suppress(TimeoutError):  # stopped one after another, it is not draining yet: r2 shows it
            await asyncio.wait_for(quick_consumer.draining.wait(), 5)
        await probe[BUS].publish(first_event(make_release("r2", app="demo2"), actor="ann"))
        # The broker hands a message to a free consumer as it enqueues it, before confirming the publish: r2 still
        # ready in the quick subscription's queue means nothing there took it.
        channel = await probe[BUS].channel(1)
        try:
            queue = await channel.get_queue(f"{prefix}b")
            assert queue.declaration_result.message_count == 1, seen
        finally:
            await channel.close()
    finally:
        finish.set()
        await asyncio.wait_for(stopping if stopping is not None else runner.cleanup(), 15)
    assert seen["slow"] == ["r1"]
    assert "r2" not in seen["quick"]
