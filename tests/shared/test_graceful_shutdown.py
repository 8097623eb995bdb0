"""On shutdown a service stops taking messages and finishes what it holds before closing."""

from __future__ import annotations

import asyncio

from aiohttp import web

from services.shared.events import ReleaseEvent, first_event
from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS, CONSUMERS, STORE
from services.shared.settings import BusSettings
from tests.harness import make_release, running, wait_for_state
from tests.shared.conftest import stub_service


async def test_in_flight_work_finishes_and_the_rest_waits(bus_settings: BusSettings, probe: web.Application) -> None:
    started = asyncio.Event()
    finish = asyncio.Event()
    seen: list[str] = []

    async def slow(event: ReleaseEvent) -> None:
        seen.append(event.release_id)
        started.set()
        await finish.wait()

    # Room for a second message: with a prefetch of 1 the broker holds r2 back behind r1 anyway, so a
    # consumer still subscribed while draining would pass unseen.
    service = stub_service(bus_settings.model_copy(update={"prefetch": 2}), slow)
    runner = web.AppRunner(service)
    await runner.setup()
    await probe[BUS].publish(first_event(make_release("r1"), actor="ann"))
    await asyncio.wait_for(started.wait(), 10)
    stopping = asyncio.create_task(runner.cleanup())  # what SIGTERM does under run_app
    [consumer] = service[CONSUMERS]
    await asyncio.wait_for(consumer.draining.wait(), 10)
    await probe[BUS].publish(first_event(make_release("r2"), actor="ann"))
    # The broker hands a message to a free consumer as it enqueues it, before confirming the publish: r2 still
    # ready in the queue now means no consumer was there to take it.
    channel = await probe[BUS].channel(1)
    try:
        queue = await channel.get_queue(consumer.queue_name)
        assert queue.declaration_result.message_count == 1
    finally:
        await channel.close()
    finish.set()
    await asyncio.wait_for(stopping, 10)
    assert (await wait_for_state(probe[STORE], "r1", S.BUILT)).state == S.BUILT
    assert seen == ["r1"]  # r2 was not taken after shutdown began

    async with running(stub_service(bus_settings, None)):
        assert (await wait_for_state(probe[STORE], "r2", S.BUILT)).state == S.BUILT
