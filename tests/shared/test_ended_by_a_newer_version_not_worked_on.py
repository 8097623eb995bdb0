"""A release a newer Greenlight ended (an abort's `failed` written at schema version 2, in a rolling upgrade) is not
worked on by an older builder, whichever way the builder hears of the ending: from its exclusive queue of endings
while the release's `requested` waits behind other work, or from the log read of recent endings when the builder
starts after the ending. No `building`, no build. A malformed ending (no version wrote it) is still skipped.

Before, both read the ending with this version's parse, which refused it (events.NewerVersion) and skipped it: the
young `requested` was not checked against the log, and the older builder built a release the newer one had aborted.
"""

from __future__ import annotations

import asyncio
import json

import pytest
from aiohttp import web

from services.shared.ended import ReleaseEnded
from services.shared.events import ReleaseEvent, first_event
from services.shared.protocol import ReleaseState as S
from services.shared.release import ReleaseError
from services.shared.runtime import BUS, STORE
from services.shared.settings import BusSettings
from tests.db.newer_events import publish_bodies
from tests.harness import make_release, running, wait_for_state
from tests.shared.conftest import stub_service


async def abort_as_newer(probe: web.Application, requested: ReleaseEvent, *, malformed: bool = False) -> None:
    """The release's `failed` as a newer Greenlight logs it (schema version 2, its `actor` an object)."""
    failed = requested.next(S.FAILED, actor="bob", error=ReleaseError(step="abort", reason="no"))
    body = json.loads(failed.dumps())
    body["schema_version"], body["actor"] = 2, {"name": body["actor"], "kind": "person"}
    if malformed:
        body["schema_version"] = "two"
    await publish_bodies(probe[BUS], [(failed, failed.routing_key, json.dumps(body).encode())])


async def test_a_builder_started_after_a_newer_versions_abort_does_not_build(bus_settings: BusSettings,
                                                                           probe: web.Application) -> None:
    requested = first_event(make_release(), actor="ann")
    await probe[BUS].publish(requested)  # waits in the builder's queue: no builder runs yet
    await abort_as_newer(probe, requested)
    built: list[str] = []

    async def build(event: ReleaseEvent) -> None:
        built.append(event.release_id)

    async with running(stub_service(bus_settings, build)):
        # A later release shows the builder has taken what was queued before it.
        await probe[BUS].publish(first_event(make_release("r2"), actor="ann"))
        await wait_for_state(probe[STORE], "r2", S.BUILT)
    assert built == ["r2"]
    assert [logged.event.state for logged in probe[STORE].history["r1"]] == [S.REQUESTED]  # no `building`


@pytest.mark.parametrize("malformed", [False, True], ids=["schema_version_2", "malformed"])
async def test_a_running_builder_hears_a_newer_versions_abort(bus_settings: BusSettings, probe: web.Application,
                                                              malformed: bool) -> None:
    started, go = asyncio.Event(), asyncio.Event()
    built: list[str] = []

    async def build(event: ReleaseEvent) -> None:
        built.append(event.release_id)
        if event.release_id == "r0":
            started.set()
            await go.wait()

    # One message at a time: r1's `requested` waits behind r0's build until the ending is heard.
    async with running(stub_service(bus_settings.model_copy(update={"prefetch": 1}), build)) as builder:
        await probe[BUS].publish(first_event(make_release("r0"), actor="ann"))
        await asyncio.wait_for(started.wait(), 15)
        requested = first_event(make_release(), actor="ann")
        await probe[BUS].publish(requested)
        await abort_as_newer(probe, requested, malformed=malformed)
        if not malformed:
            with pytest.raises(ReleaseEnded):  # returns as soon as the builder's watch hears r1 end
                await asyncio.wait_for(builder[BUS].ended.unless_ended("r1", asyncio.Event().wait()), 15)
        go.set()
        await probe[BUS].publish(first_event(make_release("r2"), actor="ann"))
        await wait_for_state(probe[STORE], "r2", S.BUILT)
    assert built == (["r0", "r1", "r2"] if malformed else ["r0", "r2"])
    assert "r1" not in builder[BUS].ended if malformed else builder[BUS].ended.ending("r1") == "failed"
