"""A handler that keeps failing fails its release and dead-letters the message: no endless loop."""

from __future__ import annotations

from aiohttp import web

from services.shared.bus import REASON_HEADER
from services.shared.events import ReleaseEvent, first_event
from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS, STORE
from services.shared.settings import BusSettings
from tests.harness import dead_letters, make_release, running, wait_for_state
from tests.shared.conftest import stub_service


async def test_release_fails_after_the_delivery_limit(bus_settings: BusSettings, probe: web.Application) -> None:
    settings = bus_settings.model_copy(update={"delivery_limit": 3})
    attempts: list[int] = []

    async def broken(event: ReleaseEvent) -> None:
        attempts.append(1)
        raise RuntimeError("disk on fire")

    async with running(stub_service(settings, broken)):
        await probe[BUS].publish(first_event(make_release(), actor="ann"))
        failed = await wait_for_state(probe[STORE], "r1", S.FAILED)
        [letter] = await dead_letters(settings, 1)
    assert len(attempts) == 3
    assert failed.error is not None and "disk on fire" in failed.error.reason
    assert "disk on fire" in str((letter.headers or {})[REASON_HEADER])
