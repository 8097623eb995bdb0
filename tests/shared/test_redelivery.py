"""A consumer that dies mid-handler leaves its message to the next consumer: nothing is lost."""

from __future__ import annotations

import asyncio

from aiohttp import web

from services.shared.events import ReleaseEvent, first_event
from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS, STORE
from services.shared.settings import BusSettings
from tests.harness import make_release, running, wait_for_state
from tests.shared.conftest import stub_service


async def test_message_of_a_dead_consumer_is_redelivered(bus_settings: BusSettings, probe: web.Application) -> None:
    started = asyncio.Event()
    stuck: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    async def hang(event: ReleaseEvent) -> None:
        started.set()
        await stuck

    async def done(event: ReleaseEvent) -> None:
        pass

    async with running(stub_service(bus_settings, hang)) as dying:
        await probe[BUS].publish(first_event(make_release(), actor="ann"))
        await asyncio.wait_for(started.wait(), 10)
        await dying[BUS].connection.close()  # the process is gone: no ack ever comes
        stuck.set_exception(ConnectionError("dead"))
        async with running(stub_service(bus_settings, done)):
            release = await wait_for_state(probe[STORE], "r1", S.BUILT)
    assert release.state == S.BUILT
    assert [e.event.state for e in probe[STORE].history["r1"]] == [S.REQUESTED, S.BUILDING, S.BUILT]
