"""A retry queue deleted under a running service (an operator's `rabbitmqctl delete_queue`, a policy, a quorum queue
lost with its nodes) is declared again at the next retry parked in it.

The consumer declared each retry tier's queue once per channel: deleted after that, every later retry of the tier
was published to a queue that no longer existed, returned unroutable, and the message slept, was requeued and spent
one of its allowed deliveries, for as long as the process lived. A dependency down for a few seconds then failed
the release as "delivered N times and never settled", where it should have been retried on the broker.
"""

from __future__ import annotations

from aiohttp import web

from services.shared.events import ReleaseEvent, first_event
from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS, STORE
from services.shared.settings import BusSettings
from services.shared.topology import retry_delays, retry_queue_name
from services.shared.transient import Retry
from tests.harness import delete_queues, make_release, running, wait_for_state
from tests.shared.conftest import stub_service

DOWN_FOR = 3  # calls per release: more than the deliveries allowed below, fewer than the retry budget's worth


async def test_a_deleted_retry_queue_is_declared_again(bus_settings: BusSettings, probe: web.Application) -> None:
    settings = bus_settings.model_copy(update={"delivery_limit": 2})
    queue = f"{settings.queue_prefix}builder"
    calls: dict[str, int] = {}

    async def down_a_while(event: ReleaseEvent) -> None:
        calls[event.release_id] = calls.get(event.release_id, 0) + 1
        if calls[event.release_id] <= DOWN_FOR:
            raise Retry("engine unavailable", dependency="engine")

    async with running(stub_service(settings, down_a_while)):
        await probe[BUS].publish(first_event(make_release("r1"), actor="ann"))
        first = await wait_for_state(probe[STORE], "r1", S.BUILT, S.FAILED, timeout=20)
        assert first.state is S.BUILT, first.error  # every tier it used is declared now
        await delete_queues(settings, *(retry_queue_name(queue, delay) for delay in retry_delays(settings)))
        await probe[BUS].publish(first_event(make_release("r2", app="demo2"), actor="ann"))
        second = await wait_for_state(probe[STORE], "r2", S.BUILT, S.FAILED, timeout=20)
        assert second.state is S.BUILT, second.error
    assert calls == {"r1": DOWN_FOR + 1, "r2": DOWN_FOR + 1}
