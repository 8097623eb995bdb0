"""HAProxy serves the live colour on the live frontend and the standby on the preview frontend."""

from __future__ import annotations

from services.shared.appspec import AppSpec
from services.shared.local import LocalSettings
from services.shared.platform import AppRef
from services.shared.release import Colour
from tests.local_platform.fixtures import local_platform, staged, through_proxy

SHA1, SHA2 = "1" * 40, "2" * 40


async def test_live_and_preview_follow_the_switch(local_settings: LocalSettings, web_images: tuple[str, ...],
                                                  test_id: str) -> None:
    app = AppRef(f"lp-{test_id}", AppSpec(replicas=1))
    async with local_platform(local_settings, app.name) as platform:
        assert (await through_proxy(local_settings, app.name))[0] == 503  # not routed: nothing is live
        await staged(platform, app, Colour.BLUE, "r1", web_images[0], SHA1)
        assert await through_proxy(local_settings, app.name, preview=True) == (
            200, f"version={SHA1} colour=blue\n", "blue")
        await platform.switch(app, None, Colour.BLUE, "r1")
        assert await through_proxy(local_settings, app.name) == (200, f"version={SHA1} colour=blue\n", "blue")

        await staged(platform, app, Colour.GREEN, "r2", web_images[1], SHA2)
        preview = await through_proxy(local_settings, app.name, preview=True)
        live_before = await through_proxy(local_settings, app.name)
        await platform.switch(app, Colour.BLUE, Colour.GREEN, "r2")
        live_after = await through_proxy(local_settings, app.name)
        state = await platform.read(app)

    assert preview == (200, f"version={SHA2} colour=green\n", "green")
    assert live_before[1:] == (f"version={SHA1} colour=blue\n", "blue")
    assert live_after == (200, f"version={SHA2} colour=green\n", "green")
    assert state.live is Colour.GREEN and state.live_release == "r2"
    blue = state.colour(Colour.BLUE)
    assert blue is not None and blue.ready and blue.replicas == 1  # the old colour stays warm
