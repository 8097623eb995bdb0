"""A step's stale input (a message held unacked for long) of a release whose newest logged event is a newer
Greenlight's (a rolling upgrade: schema version 2, or a state this version does not know) is not worked on: the
release is left to the newer version, with one warning line, nothing published, the message acked.

Before, the safe point's log read skipped the event it could not read, found the stale input the release's newest
event, and the older builder built the release again beside the newer one (publishing `building` on the seq the newer
version's event held). A malformed event is still skipped, as before: the input is worked on.
"""

from __future__ import annotations

import pytest
from aiohttp import web
from structlog.testing import capture_logs

from services.shared.events import ReleaseEvent, first_event
from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS, STORE
from services.shared.settings import BusSettings
from tests.db.newer_events import NEWER_KINDS, as_newer, publish_bodies
from tests.harness import make_release, running, wait_for_state
from tests.shared.conftest import stub_service
from tests.shared.test_stale_step_input_past_its_step import stale_request


@pytest.mark.parametrize("newer", NEWER_KINDS)
async def test_a_stale_input_of_a_release_a_newer_version_moved_on_is_left_to_it(
        bus_settings: BusSettings, probe: web.Application, newer: str) -> None:
    stale = stale_request("r1")
    await probe[BUS].publish(stale)  # waits in the builder's queue: no builder of this version runs yet
    building = stale.next(S.BUILDING, actor="builder")  # a newer builder took the release on
    await publish_bodies(probe[BUS], [(building, building.routing_key, as_newer(building, newer, "fetching", "two"))])
    effects: list[ReleaseEvent] = []

    async def build(event: ReleaseEvent) -> None:
        effects.append(event)

    # One message at a time, in queue order: a later release shows the builder has taken what was queued before.
    with capture_logs() as logs:
        async with running(stub_service(bus_settings.model_copy(update={"prefetch": 1}), build)):
            await probe[BUS].publish(first_event(make_release("r3", "other"), actor="ann"))
            await wait_for_state(probe[STORE], "r3", S.BUILT)
    about_r1 = [(line["log_level"], line["event"]) for line in logs if line.get("release") == "r1"]
    if newer == "malformed":  # as ever: skipped by the log read, the input worked on
        assert [e.release_id for e in effects] == ["r1", "r3"]
        assert about_r1 == []
        return
    assert [e.release_id for e in effects] == ["r3"], "a release a newer version moved on was built again"
    assert [logged.event.state for logged in probe[STORE].history["r1"]] == [S.REQUESTED]  # nothing published
    assert len(about_r1) == 1 and about_r1[0][0] == "warning" and "newer" in about_r1[0][1], logs
