"""The preview pointer waits for a HAProxy health check run after it began, as the switch does.

The deployer points the preview at the colour it just saw ready. The pointer took HAProxy's word at once: its last check
result (kept through maintenance and drain: of the colour's previous container) or its optimistic "up" for a server
never checked, so the preview could send requests where nothing listened. Run against the tests' real HAProxy; the
colours are plain HTTP servers on free ports.
"""

from __future__ import annotations

import pytest

from services.shared.appspec import AppSpec
from services.shared.local import LocalPlatform, LocalSettings
from services.shared.local.marks import ColourMark
from services.shared.local.routing import Role
from services.shared.platform import AppRef, ColourStatus, NotReady
from services.shared.release import Colour
from tests.local_platform.fixtures import local_platform, served_once_up
from tests.local_platform.plain_colours import WAIT, ready_server


async def _staged_on_both(platform: LocalPlatform, app: AppRef) -> dict[Colour, int]:
    """The app attached, a release staged on each colour (one replica): what the deployer leaves before its preview."""
    record = await platform.apps.attach(app.name, app.spec.readiness_path)
    async with platform.marks.edit(app.name) as draft:
        assert draft.record is not None
        for colour in Colour:
            draft.record.colours[colour] = ColourMark(release_id=f"r-{colour}", commit="1" * 40, image="unused",
                                                      status=ColourStatus.DEPLOYING, replicas=1)
    return record.ports


async def test_a_colour_checked_before_its_container_was_replaced_is_not_previewed(
        local_settings: LocalSettings, test_id: str) -> None:
    app = AppRef(f"lp-{test_id}", AppSpec(replicas=1))
    settings = local_settings  # switch_timeout 5 s: checks every 200 ms pass well within it on a loaded machine
    async with local_platform(settings, app.name) as platform:
        ports = await _staged_on_both(platform, app)
        blue, green = await ready_server(ports[Colour.BLUE]), await ready_server(ports[Colour.GREEN])
        try:
            await platform.set_preview(app, Colour.GREEN)
            slot = await platform.router.slot_of(app.name)
            assert slot is not None
            backend = platform.router.backend(Role.PREVIEW, slot)
            # Back once HAProxy's own check passed: served by green (asked again only if this process was held
            # past two checks meanwhile: its plain colours answer on its own loop).
            served = await served_once_up(platform.router, backend, Colour.GREEN, settings, app.name,
                                          settings.switch_timeout, preview=True, path="/readyz")
            assert served[::2] == (200, "green"), served
            await platform.set_preview(app, Colour.BLUE)
            await platform.router.until_up(backend, Colour.GREEN, settings.switch_timeout)  # drained, still checked

            await green.cleanup()  # green's container replaced: the new one does not listen yet
            platform.settings = settings.model_copy(update={"switch_timeout": WAIT})  # a failure need not take 5 s
            with pytest.raises(NotReady):
                await platform.set_preview(app, Colour.GREEN)
            assert await platform.router.serving(Role.PREVIEW, slot) is Colour.BLUE
            served = await served_once_up(platform.router, backend, Colour.BLUE, settings, app.name,
                                          settings.switch_timeout, preview=True, path="/readyz")
            assert served[::2] == (200, "blue"), served
        finally:
            await blue.cleanup()
            await green.cleanup()


async def test_a_colour_never_checked_is_not_previewed_while_nothing_listens(
        local_settings: LocalSettings, test_id: str) -> None:
    app = AppRef(f"lp-{test_id}", AppSpec(replicas=1))
    settings = local_settings.model_copy(update={"switch_timeout": WAIT})
    async with local_platform(settings, app.name) as platform:
        await _staged_on_both(platform, app)
        with pytest.raises(NotReady):  # HAProxy's optimistic "up" on leaving maintenance is not taken
            await platform.set_preview(app, Colour.BLUE)
        slot = await platform.router.slot_of(app.name)
        assert slot is not None
        assert await platform.router.serving(Role.PREVIEW, slot) is None
