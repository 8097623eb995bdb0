"""A retry queue declared earlier with other arguments (another `GREENLIGHT_QUEUE_REPLICAS`, an older Greenlight's
retry queue arguments) still takes the retries parked in it.

The consumer declared each retry tier's queue before its first park with this configuration's arguments; the broker
refused it (PRECONDITION_FAILED, inequivalent arguments), so no retry was ever parked: each `Retry` slept, requeued
the message and spent one of its allowed deliveries. A dependency down for a few seconds failed the release as
"delivered N times and never settled: the service died or lost the broker each time", where it should have been
retried on the broker within the retry budget, as a work queue declared with other arguments is kept as it is.
"""

from __future__ import annotations

from aiohttp import web

from services.shared.events import ReleaseEvent, first_event
from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS, STORE
from services.shared.settings import BusSettings
from services.shared.topology import retry_delays, retry_queue_name
from services.shared.transient import Retry
from services.shared.work_queues import retry_queue_arguments
from tests.harness import connect_any, make_release, running, wait_for_state
from tests.shared.conftest import stub_service

DOWN_FOR = 3  # calls: more than the deliveries allowed below, fewer than the retry budget's worth of tiers


async def test_a_retry_queue_with_other_arguments_still_parks_retries(bus_settings: BusSettings,
                                                                       probe: web.Application) -> None:
    settings = bus_settings.model_copy(update={"delivery_limit": 2})
    queue = f"{settings.queue_prefix}builder"
    connection = await connect_any(settings, "gltest-earlier-retry-queues")
    async with connection:
        channel = await connection.channel()
        for delay in retry_delays(settings):  # as declared by a configuration asking for one replica per queue
            await channel.declare_queue(retry_queue_name(queue, delay), durable=True, arguments={
                **retry_queue_arguments(settings, queue, delay), "x-quorum-initial-group-size": 1})
    calls = 0

    async def down_a_while(event: ReleaseEvent) -> None:
        nonlocal calls
        calls += 1
        if calls <= DOWN_FOR:
            raise Retry("engine unavailable", dependency="engine")

    async with running(stub_service(settings, down_a_while)):
        await probe[BUS].publish(first_event(make_release("r1"), actor="ann"))
        reached = await wait_for_state(probe[STORE], "r1", S.BUILT, S.FAILED, timeout=20)
        assert reached.state is S.BUILT, reached.error
        assert reached.error is None
    assert calls == DOWN_FOR + 1
