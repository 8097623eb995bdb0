"""A release requested before any worker ever ran is queued for each step, not only logged."""

from __future__ import annotations

from aiohttp import web

from services.shared.events import first_event
from services.shared.protocol import WORK_QUEUES
from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS, STORE
from services.shared.settings import BusSettings
from tests.harness import make_release, running, wait_for_state
from tests.shared.conftest import stub_service


async def test_event_before_the_worker_first_starts_is_kept(bus_settings: BusSettings,
                                                            probe: web.Application) -> None:
    # The probe (like the API) is the only service connected: nothing consumes `requested` yet.
    await probe[BUS].publish(first_event(make_release(), actor="ann"))
    queue = await probe[BUS].channel(1)
    try:
        builder_queue = await queue.get_queue(f"{bus_settings.queue_prefix}builder")
        assert builder_queue.declaration_result.message_count == 1
    finally:
        await queue.close()
    async with running(stub_service(bus_settings)):
        built = await wait_for_state(probe[STORE], "r1", S.BUILT)
    assert built.image is not None


async def test_a_queue_declared_with_another_limit_is_kept(bus_settings: BusSettings,
                                                           probe: web.Application) -> None:
    # The probe declared every work queue with the default limit; a builder configured with another
    # one (the queue's arguments then differ) still starts, consumes, and applies its own limit.
    other = bus_settings.model_copy(update={"delivery_limit": bus_settings.delivery_limit + 7})
    async with running(stub_service(other)):
        await probe[BUS].publish(first_event(make_release(), actor="ann"))
        await wait_for_state(probe[STORE], "r1", S.BUILT)
    assert set(WORK_QUEUES) == {"builder", "pusher", "deployer", "switcher", "notifier", "approval", "analysis"}
