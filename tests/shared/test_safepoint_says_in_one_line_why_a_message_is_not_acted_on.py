"""A message the safe point leaves unworked (its release ended, its step's outcome is logged, or a newer Greenlight
moved the release on) is said in one log line, with the delivery's fields (release, state, seq): the newer case as a
warning that names the newer version, the others as info.

Before, the safe point said "left to a newer Greenlight" (or "went past this step") and the consumer then said
"release already ended or past this step; not acting on it" as well: two lines for one message, the second wrong
about a release that had not ended.
"""

from __future__ import annotations

import json

import pytest
import structlog
from aiohttp import web
from structlog.testing import capture_logs

from services.shared.events import ReleaseEvent, first_event
from services.shared.protocol import ReleaseState as S
from services.shared.release import ReleaseError
from services.shared.runtime import BUS, STORE
from services.shared.settings import BusSettings
from tests.db.newer_events import publish_bodies
from tests.harness import make_release, running, wait_for_state
from tests.shared.conftest import stub_service
from tests.shared.test_stale_step_input_past_its_step import stale_request


async def left(probe: web.Application, why: str) -> None:
    """r1's `requested`, waiting in the builder's queue, and what happened to r1 since."""
    if why == "ended":
        requested = first_event(make_release("r1"), actor="ann")
        await probe[BUS].publish(requested)
        await probe[BUS].publish(requested.next(S.FAILED, actor="bob", error=ReleaseError(step="abort", reason="no")))
        return
    stale = stale_request("r1")  # held unacked for long: checked against the log
    await probe[BUS].publish(stale)
    building = stale.next(S.BUILDING, actor="builder")  # another builder took it on
    if why == "past its step":
        await probe[BUS].publish(building)
        await probe[BUS].publish(building.next(S.BUILT, actor="builder", image="reg/demo:old"))
        return
    body = json.loads(building.dumps())
    body["schema_version"], body["actor"] = 2, {"name": body["actor"], "kind": "service"}  # a newer builder
    await publish_bodies(probe[BUS], [(building, building.routing_key, json.dumps(body).encode())])


@pytest.mark.parametrize("why", ["moved on by a newer version", "past its step", "ended"])
async def test_a_message_not_acted_on_is_said_once(bus_settings: BusSettings, probe: web.Application,
                                                   why: str) -> None:
    await left(probe, why)
    built: list[str] = []

    async def build(event: ReleaseEvent) -> None:
        built.append(event.release_id)

    # With the fields each delivery binds (release, state, seq), as the service's own logging merges them.
    with capture_logs(processors=[structlog.contextvars.merge_contextvars]) as logs:
        async with running(stub_service(bus_settings.model_copy(update={"prefetch": 1}), build)):
            await probe[BUS].publish(first_event(make_release("r3", "other"), actor="ann"))
            await wait_for_state(probe[STORE], "r3", S.BUILT)
    assert built == ["r3"]
    # Less the log read's own line (a stale message pays for a read of the release log).
    about_r1 = [line for line in logs if line.get("release") == "r1" and line["event"] != "release log replayed"]
    assert len(about_r1) == 1, about_r1
    line = about_r1[0]
    assert line["state"] == "requested" and line["seq"] == 1, line
    if why == "moved on by a newer version":
        assert line["log_level"] == "warning" and "newer Greenlight" in line["event"], line
    else:
        assert line["log_level"] == "info" and "not acting on it" in line["event"], line
