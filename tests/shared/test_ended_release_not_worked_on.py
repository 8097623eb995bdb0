"""A release that ended (aborted) while its message waited for a worker is not worked on by the worker that
starts afterwards: no `building`, no build."""

from __future__ import annotations

from aiohttp import web

from services.shared.events import ReleaseEvent, first_event
from services.shared.protocol import ReleaseState as S
from services.shared.release import ReleaseError
from services.shared.runtime import BUS, STORE
from services.shared.settings import BusSettings
from tests.harness import make_release, running, wait_for_state
from tests.shared.conftest import stub_service


async def test_a_worker_started_after_the_abort_does_not_build(bus_settings: BusSettings,
                                                               probe: web.Application) -> None:
    requested = first_event(make_release(), actor="ann")
    await probe[BUS].publish(requested)  # waits in the builder's queue: no builder runs yet
    await probe[BUS].publish(requested.next(S.FAILED, actor="bob", error=ReleaseError(step="abort", reason="no")))
    await wait_for_state(probe[STORE], "r1", S.FAILED)
    effects: list[ReleaseEvent] = []

    async def build(event: ReleaseEvent) -> None:
        effects.append(event)

    async with running(stub_service(bus_settings, build)):
        # A later release shows the builder has taken what was queued before it.
        await probe[BUS].publish(first_event(make_release("r2"), actor="ann"))
        await wait_for_state(probe[STORE], "r2", S.BUILT)
    assert [e.release_id for e in effects] == ["r2"]
    assert [logged.event.state for logged in probe[STORE].history["r1"]] == [S.REQUESTED, S.FAILED]
