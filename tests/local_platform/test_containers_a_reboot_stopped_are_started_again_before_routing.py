"""After a reboot the app's live and warm standby containers are started again, and routed once HAProxy checked them.

A reboot stops every container; HAProxy, restarted, re-attached every app from its state file (`reattach.py`) and
pointed live and preview at colours with nothing listening: 503 until the app's next release. Now the re-attach starts
the containers the marks say run, and each pointer waits for HAProxy's own check of its colour before routing to it.
Simulated: the containers stopped through the engine's API, this test's own HAProxy restarted.
"""

from __future__ import annotations

from pathlib import Path

from services.shared.appspec import AppSpec
from services.shared.local.reattach import reattach_all
from services.shared.platform import AppRef
from services.shared.release import Colour
from tests.local_platform.fixtures import local_platform, through_proxy
from tests.local_platform.reboot import green_live_blue_warm, own_haproxy, rebooted


async def test_containers_a_reboot_stopped_are_started_again_before_routing(
        tmp_path: Path, engine_url: str, web_images: tuple[str, ...], test_id: str) -> None:
    app = AppRef(f"lp-{test_id}", AppSpec(replicas=1))
    with own_haproxy(tmp_path, engine_url) as proxy:
        settings = proxy.settings
        async with local_platform(settings, app.name) as platform:
            await green_live_blue_warm(platform, app, web_images)

            await rebooted(platform, proxy, app.name)
            routed = await reattach_all(settings)
            # At once: the re-attach returned only after HAProxy's check of green passed.
            live = await through_proxy(settings, app.name)
            preview = await through_proxy(settings, app.name, preview=True)
            running = {colour: await platform.runner.containers.inspect(settings.container_name(app.name, colour))
                       for colour in Colour}

    assert routed == [app.name]
    assert (live[0], live[2], preview[0], preview[2]) == (200, "green", 200, "green"), (live, preview)
    assert all(info is not None and info.running for info in running.values()), running
