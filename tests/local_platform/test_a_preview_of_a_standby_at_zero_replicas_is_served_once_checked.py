"""A preview pointed at a standby staged at zero replicas is set at once, and HAProxy serves it only once checked.

The live colour scaled to zero by hand stages the next release at zero too (the switcher scales it up before the
flip): nothing runs there for the preview to wait for, so it is pointed at once, as before. But HAProxy counted the
server up on leaving maintenance, with no check: the preview sent requests where nothing listened. Now it counts it
down until its own check passes, which happens by itself once the colour is scaled up and listens.
"""

from __future__ import annotations

import asyncio

from services.shared.appspec import AppSpec
from services.shared.local import LocalSettings
from services.shared.local.marks import ColourMark
from services.shared.local.routing import Role
from services.shared.local.server_state import OP_RUNNING
from services.shared.platform import AppRef, ColourStatus
from services.shared.release import Colour
from tests.local_platform.fixtures import local_platform, served_once_up
from tests.local_platform.plain_colours import ready_server

SERVED_WITHIN = 10.0  # seconds: HAProxy checks every 200 ms here; generous for a loaded machine


async def test_a_preview_of_a_standby_at_zero_replicas_is_served_once_checked(
        local_settings: LocalSettings, test_id: str) -> None:
    app = AppRef(f"lp-{test_id}", AppSpec(replicas=1))
    async with local_platform(local_settings, app.name) as platform:
        record = await platform.apps.attach(app.name, app.spec.readiness_path)
        async with platform.marks.edit(app.name) as draft:
            assert draft.record is not None
            draft.record.colours[Colour.GREEN] = ColourMark(release_id="r2", commit="2" * 40, image="unused",
                                                            status=ColourStatus.DEPLOYING, replicas=0)
        started = asyncio.get_running_loop().time()
        await platform.set_preview(app, Colour.GREEN)
        took = asyncio.get_running_loop().time() - started
        slot = await platform.router.slot_of(app.name)
        assert slot is not None
        backend = platform.router.backend(Role.PREVIEW, slot)
        green = (await platform.router.proxy.servers(backend))["green"]
        assert green.serving and green.op_state != OP_RUNNING, f"HAProxy counts green up with no check passed: {green}"
        assert took < local_settings.switch_timeout, "the preview waited for a colour nothing runs on"

        server = await ready_server(record.ports[Colour.GREEN])  # scaled up: the colour listens
        try:
            served = await served_once_up(platform.router, backend, Colour.GREEN, local_settings, app.name,
                                          SERVED_WITHIN, preview=True, path="/readyz")
        finally:
            await server.cleanup()
    assert served[::2] == (200, "green"), served
