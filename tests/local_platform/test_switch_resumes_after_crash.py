"""A switch that died between recording its intent and flipping HAProxy is finished by its retry, and
an app HAProxy forgot (it restarted) is re-attached from its state file with live traffic restored."""

from __future__ import annotations

from services.shared.appspec import AppSpec
from services.shared.local import LocalSettings
from services.shared.local.haproxy import HAProxyRuntime
from services.shared.local.marks import LivePointer
from services.shared.platform import AppRef
from services.shared.release import Colour
from tests.local_platform.fixtures import local_platform, staged, through_proxy


async def test_retried_switch_completes_and_restart_restores_routing(
        local_settings: LocalSettings, web_images: tuple[str, ...], test_id: str) -> None:
    app = AppRef(f"lp-{test_id}", AppSpec(replicas=1))
    async with local_platform(local_settings, app.name) as platform:
        await staged(platform, app, Colour.BLUE, "r1", web_images[0], "1" * 40)
        await platform.switch(app, None, Colour.BLUE, "r1")
        await staged(platform, app, Colour.GREEN, "r2", web_images[1], "2" * 40)
        async with platform.marks.edit(app.name) as draft:  # the crash: intent written, HAProxy untouched
            assert draft.record is not None
            draft.record.previous_live, draft.record.live = draft.record.live, LivePointer(
                colour=Colour.GREEN, release_id="r2")
        crashed = await platform.read(app)
        assert await platform.switch(app, Colour.BLUE, Colour.GREEN, "r2")
        switched = await platform.read(app)

        # HAProxy restarts: runtime maps empty, every server back in maintenance.
        slot = await platform.router.slot_of(app.name)
        assert slot is not None
        proxy = HAProxyRuntime(local_settings.socket)
        await platform.router.detach(app.name, slot)
        assert (await through_proxy(local_settings, app.name))[0] == 503
        restored = await platform.read(app)
        served = await through_proxy(local_settings, app.name)
        preview = await through_proxy(local_settings, app.name, preview=True)
        slot = await platform.router.slot_of(app.name)
        assert slot is not None
        checks = [await proxy.map_get(local_settings.checks_map, platform.router.check_key(slot, colour))
                  for colour in Colour]

    assert crashed.live is Colour.BLUE and crashed.live_release == "r1"
    assert switched.live is Colour.GREEN and switched.live_release == "r2"
    assert restored.live is Colour.GREEN and restored.live_release == "r2" and restored.preview is Colour.GREEN
    assert served[0] == 200 and served[2] == "green" and preview[2] == "green"
    assert checks == ["/readyz", "/readyz"]


async def test_repeat_finishes_a_switch_that_died_between_its_haproxy_writes(
        local_settings: LocalSettings, web_images: tuple[str, ...], test_id: str) -> None:
    app = AppRef(f"lp-{test_id}", AppSpec(replicas=1))
    async with local_platform(local_settings, app.name) as platform:
        await staged(platform, app, Colour.BLUE, "r1", web_images[0], "1" * 40)
        await platform.switch(app, None, Colour.BLUE, "r1")
        await staged(platform, app, Colour.GREEN, "r2", web_images[1], "2" * 40)
        async with platform.marks.edit(app.name) as draft:  # intent written, green made ready, then death
            assert draft.record is not None
            draft.record.previous_live, draft.record.live = draft.record.live, LivePointer(
                colour=Colour.GREEN, release_id="r2")
        slot = await platform.router.slot_of(app.name)
        proxy = HAProxyRuntime(local_settings.socket)
        await proxy.set_state(f"live_{slot}", "green", "ready")
        both = await proxy.servers(f"live_{slot}")
        repeated = await platform.switch(app, Colour.BLUE, Colour.GREEN, "r2")
        after = await proxy.servers(f"live_{slot}")
        state = await platform.read(app)

    assert both["blue"].serving and both["green"].serving
    assert repeated is False  # the switch itself was done: no second one
    assert after["green"].serving and after["blue"].drain
    assert state.live is Colour.GREEN and state.live_release == "r2"
