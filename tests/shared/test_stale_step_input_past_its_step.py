"""A step's input that sat unacked for long (a partition, a hung channel) is not worked on when its release went
past that step meanwhile: read against the log, it finds the step's outcome there and does nothing, where a
stale input whose release is still in that step is worked on as usual."""

from __future__ import annotations

from datetime import timedelta

from aiohttp import web

from services.shared.ended import STALE_AFTER
from services.shared.events import ReleaseEvent, first_event
from services.shared.protocol import ReleaseState as S
from services.shared.release import utcnow
from services.shared.runtime import BUS, STORE
from services.shared.settings import BusSettings
from tests.harness import make_release, running, wait_for_state
from tests.shared.conftest import stub_service


def stale_request(release_id: str) -> ReleaseEvent:
    requested = first_event(make_release(release_id), actor="ann")
    return requested.model_copy(update={"occurred_at": utcnow() - STALE_AFTER - timedelta(seconds=30)})


async def test_a_stale_request_of_a_release_already_built_is_not_built_again(bus_settings: BusSettings,
                                                                           probe: web.Application) -> None:
    done = stale_request("r1")
    await probe[BUS].publish(done)  # waits in the builder's queue: no builder runs yet
    # Meanwhile another builder took it further (the copy above is the one it never acked).
    building = done.next(S.BUILDING, actor="builder")
    await probe[BUS].publish(building)
    await probe[BUS].publish(building.next(S.BUILT, actor="builder", image="reg/demo:old"))
    await wait_for_state(probe[STORE], "r1", S.BUILT)
    # Still in its step: a stale request whose release only began building is resumed.
    resumed = stale_request("r2")
    await probe[BUS].publish(resumed)
    await probe[BUS].publish(resumed.next(S.BUILDING, actor="builder"))
    effects: list[ReleaseEvent] = []

    async def build(event: ReleaseEvent) -> None:
        effects.append(event)

    # One message at a time, in queue order: a later release shows the builder has taken what was queued before.
    async with running(stub_service(bus_settings.model_copy(update={"prefetch": 1}), build)):
        await probe[BUS].publish(first_event(make_release("r3", "other"), actor="ann"))
        await wait_for_state(probe[STORE], "r3", S.BUILT)
    assert [e.release_id for e in effects] == ["r2", "r3"]
    assert [logged.event.state for logged in probe[STORE].history["r1"]] == [S.REQUESTED, S.BUILDING, S.BUILT]
