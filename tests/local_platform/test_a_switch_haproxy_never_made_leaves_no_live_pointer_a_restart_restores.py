"""A switch refused by HAProxy's health check leaves live traffic where it was, after a HAProxy restart too.

The switch records its intent (the colour going live) in the app's state file before it flips HAProxy, so a crash in
between is finished by the retry. When HAProxy's check of the new colour never passed (NotReady), the flip never
happened and the release fails, but the intent stayed: HAProxy restarted later, the re-attach restored live traffic
onto the failed colour (by then stopped by the deployer's teardown), and the app answered 503 until its next release.
"""

from __future__ import annotations

import pytest

from services.shared.appspec import AppSpec
from services.shared.local import LocalSettings
from services.shared.local.haproxy import HAProxyRuntime
from services.shared.platform import AppRef, NotReady
from services.shared.release import Colour
from tests.local_platform.fixtures import local_platform, staged, through_proxy


async def test_a_switch_haproxy_never_made_leaves_no_live_pointer_a_restart_restores(
        local_settings: LocalSettings, web_images: tuple[str, ...], test_id: str) -> None:
    app = AppRef(f"lp-{test_id}", AppSpec(replicas=1))
    settings = local_settings.model_copy(update={"switch_timeout": 1.0})
    async with local_platform(settings, app.name) as platform:
        await staged(platform, app, Colour.BLUE, "r1", web_images[0], "1" * 40)
        await platform.switch(app, None, Colour.BLUE, "r1")
        await staged(platform, app, Colour.GREEN, "r2", web_images[1], "2" * 40)
        # Green dies after the switcher saw it ready: HAProxy's check of it (warm since the preview) fails from now on.
        await platform.runner.containers.stop(settings.container_name(app.name, Colour.GREEN), 0)
        slot = await platform.router.slot_of(app.name)
        # Seen down at once, as two failed checks would have it; every later check fails too.
        await HAProxyRuntime(settings.socket).command("set server", f"live_{slot}/green", "health", "down")
        with pytest.raises(NotReady):
            await platform.switch(app, Colour.BLUE, Colour.GREEN, "r2")
        refused = await platform.read(app)

        assert slot is not None
        await platform.router.detach(app.name, slot)  # HAProxy restarts: maps empty, servers in maintenance
        restarted = await platform.read(app)  # re-attaches the app from its state file
        served = await through_proxy(settings, app.name)

    assert refused.live is Colour.BLUE and refused.live_release == "r1"
    assert restarted.live is Colour.BLUE and restarted.live_release == "r1", restarted
    assert served[0] == 200 and served[2] == "blue"
