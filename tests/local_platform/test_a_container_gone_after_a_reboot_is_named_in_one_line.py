"""A container gone after a reboot is named in one log line (app and colour), never made again; the rest is routed.

The state file keeps no release's env or secrets, so making a gone container again would be a deploy invented by the
re-attach: it says which app and colour lost theirs instead, and routes what still runs. Simulated: the warm standby's
container removed and the live one stopped through the engine's API, this test's own HAProxy restarted.
"""

from __future__ import annotations

from pathlib import Path

from structlog.testing import capture_logs

from services.shared.appspec import AppSpec
from services.shared.local.reattach import reattach_all
from services.shared.platform import AppRef
from services.shared.release import Colour
from tests.local_platform.fixtures import local_platform, through_proxy
from tests.local_platform.reboot import green_live_blue_warm, own_haproxy, rebooted


async def test_a_container_gone_after_a_reboot_is_named_in_one_line(
        tmp_path: Path, engine_url: str, web_images: tuple[str, ...], test_id: str) -> None:
    app = AppRef(f"lp-{test_id}", AppSpec(replicas=1))
    with own_haproxy(tmp_path, engine_url) as proxy:
        settings = proxy.settings
        async with local_platform(settings, app.name) as platform:
            await green_live_blue_warm(platform, app, web_images)

            await rebooted(platform, proxy, app.name, gone=Colour.BLUE)
            with capture_logs() as logs:
                await reattach_all(settings)
            live = await through_proxy(settings, app.name)
            blue = await platform.runner.containers.inspect(settings.container_name(app.name, Colour.BLUE))

    gone = [entry for entry in logs if "gone" in entry["event"]]
    assert len(gone) == 1, logs
    assert (gone[0]["app"], gone[0]["colour"], gone[0]["log_level"]) == (app.name, "blue", "warning")
    assert blue is None, "the re-attach made a container it has no spec for"
    assert (live[0], live[2]) == (200, "green"), live
