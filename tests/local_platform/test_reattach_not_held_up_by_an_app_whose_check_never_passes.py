"""After HAProxy (re)starts, an app whose colour never passes HAProxy's check keeps no other app unrouted.

The re-attach routed apps one at a time, each restored pointer waiting up to GREENLIGHT_LOCAL_SWITCH_TIMEOUT for
HAProxy's check of its colour: an app whose container answers nothing held every app after it at 503 for that long
(10 s by default, per such app). Apps are now re-attached side by side. Run against the tests' real HAProxy.
"""

from __future__ import annotations

import asyncio

import pytest

from services.shared.appspec import AppSpec
from services.shared.local import LocalSettings
from services.shared.local.marks import ColourMark, LivePointer
from services.shared.local.reattach import reattach_all
from services.shared.local.routing import Router
from services.shared.platform import AppRef, ColourStatus
from services.shared.release import Colour
from tests.local_platform.fixtures import local_platform

ROUTED_WITHIN = 15.0  # seconds: a bound for a loaded machine; the stuck app alone waits SWITCH_TIMEOUT
SWITCH_TIMEOUT = 5.0


async def test_an_app_whose_check_never_passes_holds_up_no_other(
        local_settings: LocalSettings, test_id: str, monkeypatch: pytest.MonkeyPatch) -> None:
    activated: list[str] = []  # apps in the order their routing was switched on
    switch_on = Router.activate

    async def recorded(router: Router, app: str, slot: int) -> None:
        await switch_on(router, app, slot)
        activated.append(app)

    # `stuck` comes first in the state files' order: one at a time, it was routed before `free` was even looked at.
    stuck, free = (AppRef(f"lp-{test_id}-{n}", AppSpec(replicas=1)) for n in range(2))
    async with local_platform(local_settings, stuck.name, free.name) as platform:
        for app in (stuck, free):
            await platform.ensure_app(app)
            async with platform.marks.edit(app.name) as draft:
                assert draft.record is not None
                if app is stuck:  # blue marked running, and nothing listens on its port: its check never passes
                    draft.record.colours[Colour.BLUE] = ColourMark(
                        release_id="r1", commit="1" * 40, image="unused", status=ColourStatus.LIVE, replicas=1)
                draft.record.live = LivePointer(colour=Colour.BLUE, release_id="r1")
            slot = await platform.router.slot_of(app.name)
            assert slot is not None
            await platform.router.detach(app.name, slot)  # HAProxy restarted: it routes neither app

        monkeypatch.setattr(Router, "activate", recorded)
        # No engine to ask: the stuck colour cannot be found gone, so its pointer waits for HAProxy's check.
        routed = await asyncio.wait_for(reattach_all(local_settings.model_copy(update={
            "docker_host": "unix:///nonexistent/engine.sock", "switch_timeout": SWITCH_TIMEOUT})), ROUTED_WITHIN)
        stuck_after = await platform.router.slot_of(stuck.name)

    assert activated == [free.name, stuck.name], "the app whose check never passed was routed before the other one"
    assert sorted(routed) == sorted([stuck.name, free.name])
    assert stuck_after is not None  # pointed all the same once its wait ended: HAProxy serves it once a check passes
