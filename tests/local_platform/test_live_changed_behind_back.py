"""A live colour changed by hand in HAProxy is seen, and a switch from the expected colour is refused."""

from __future__ import annotations

import pytest

from services.shared.appspec import AppSpec
from services.shared.local import LocalSettings
from services.shared.local.haproxy import HAProxyRuntime
from services.shared.platform import AppRef, LiveChanged
from services.shared.release import Colour
from tests.local_platform.fixtures import local_platform, staged, through_proxy


async def test_switch_refused_when_live_moved_behind_our_back(
        local_settings: LocalSettings, web_images: tuple[str, ...], test_id: str) -> None:
    app = AppRef(f"lp-{test_id}", AppSpec(replicas=1))
    async with local_platform(local_settings, app.name) as platform:
        await staged(platform, app, Colour.BLUE, "r1", web_images[0], "1" * 40)
        await platform.switch(app, None, Colour.BLUE, "r1")
        await staged(platform, app, Colour.GREEN, "r2", web_images[1], "2" * 40)
        # An operator flips the live backend through the admin socket, bypassing Greenlight.
        slot = await platform.router.slot_of(app.name)
        proxy = HAProxyRuntime(local_settings.socket)
        await proxy.set_state(f"live_{slot}", "green", "ready")
        await proxy.set_state(f"live_{slot}", "blue", "maint")
        seen = await platform.read(app)
        with pytest.raises(LiveChanged) as refused:
            await platform.switch(app, Colour.BLUE, Colour.GREEN, "r2")
        served = await through_proxy(local_settings, app.name)

    assert seen.live is Colour.GREEN and seen.live_release is None  # no switch of ours put green live
    assert refused.value.expected is Colour.BLUE and refused.value.actual is Colour.GREEN
    assert served[2] == "green"  # the refusal changed nothing
