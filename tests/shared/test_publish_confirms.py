"""A publish that is not confirmed raises, and the message being handled is not acked."""

from __future__ import annotations

import pytest
from aiohttp import web

from services.shared.bus import Bus, PublishFailed
from services.shared.events import ReleaseEvent, first_event
from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS, STORE
from services.shared.settings import BusSettings
from tests.harness import make_release, running, wait_for_state
from tests.shared.conftest import stub_service


async def test_unroutable_publish_raises(bus_settings: BusSettings, probe: web.Application) -> None:
    bus = probe[BUS]
    channel = await bus.connection.channel()
    stream = await channel.get_queue(bus_settings.log_stream)
    await stream.unbind(bus_settings.exchange, "release.#")
    building = first_event(make_release(), actor="ann").next(S.BUILDING, actor="builder")  # no work queue wants it
    with pytest.raises(PublishFailed, match="PublishError"):
        await bus.publish(building)
    await channel.close()


async def test_publish_that_is_not_confirmed_in_time_raises(bus_settings: BusSettings) -> None:
    bus = Bus(bus_settings.model_copy(update={"publish_timeout": 1e-9}), connection_name="gltest-timeout")
    await bus.connect()
    try:
        with pytest.raises(PublishFailed, match="TimeoutError"):
            await bus.publish(first_event(make_release(), actor="ann"))
    finally:
        await bus.close()


async def test_failed_publish_leaves_the_message_for_redelivery(
    bus_settings: BusSettings, probe: web.Application
) -> None:
    attempts: list[bool] = []

    async def flaky(event: ReleaseEvent) -> None:
        attempts.append(True)
        if len(attempts) == 1:
            raise PublishFailed("broker did not confirm")

    async with running(stub_service(bus_settings, flaky)):
        await probe[BUS].publish(first_event(make_release(), actor="ann"))
        release = await wait_for_state(probe[STORE], "r1", S.BUILT)
    assert len(attempts) == 2 and release.image is not None

