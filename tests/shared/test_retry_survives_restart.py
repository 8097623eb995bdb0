"""A parked retry lives on the broker: the service that parked it may stop; its next start gets the message."""

from __future__ import annotations

import asyncio

from aiohttp import web

from services.shared.consumer import Retry
from services.shared.events import ReleaseEvent, first_event
from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS, STORE
from services.shared.settings import BusSettings
from services.shared.topology import retry_delays, retry_queue_name
from tests.harness import delete_queues, make_release, running, wait_for_state
from tests.shared.conftest import stub_service


async def test_a_parked_retry_reaches_the_next_process(bus_settings: BusSettings, probe: web.Application) -> None:
    settings = bus_settings.model_copy(update={"retry_initial_delay": 1.5, "retry_max_delay": 1.5,
                                               "retry_jitter": 0.0})
    try:
        parked = asyncio.Event()

        async def engine_down(event: ReleaseEvent) -> None:
            parked.set()
            raise Retry("engine unreachable", dependency="engine")

        async with running(stub_service(settings, engine_down)):
            await probe[BUS].publish(first_event(make_release(), actor="ann"))
            await asyncio.wait_for(parked.wait(), 10)
        # The first process is gone; the message sits in the retry queue, not in the work queue.
        retried: list[ReleaseEvent] = []

        async def engine_back(event: ReleaseEvent) -> None:
            retried.append(event)

        async with running(stub_service(settings, engine_back)):
            built = await wait_for_state(probe[STORE], "r1", S.BUILT, timeout=10)
        assert len(retried) == 1 and built.state is S.BUILT
        # Only the copy parked on the broker carries the retry count and error: a redelivery of the original
        # (a retry held in the process, requeued or abandoned at its stop) would come back without them.
        logged = probe[STORE].history["r1"][-1].event
        assert logged.state is S.BUILT
        assert logged.details["retries"] == 1 and logged.details["last_retry_error"] == "engine unreachable"
    finally:  # its 1.5 s tier is this test's own: the fixtures' clean-up deletes only the usual tiers' queues
        await delete_queues(settings, *(retry_queue_name(settings.queue_prefix + "builder", delay)
                                        for delay in retry_delays(settings)))
