"""Scale to zero stops the colour's container but keeps it; scaling up starts the same container again."""

from __future__ import annotations

from services.shared.appspec import AppSpec
from services.shared.local import LocalSettings
from services.shared.platform import AppRef, ColourStatus
from services.shared.release import Colour
from tests.local_platform.fixtures import local_platform, staged


async def test_scale_down_and_up_reuses_the_container(
        local_settings: LocalSettings, web_images: tuple[str, ...], test_id: str) -> None:
    app = AppRef(f"lp-{test_id}", AppSpec(replicas=1))
    name = local_settings.container_name(app.name, Colour.BLUE)
    async with local_platform(local_settings, app.name) as platform:
        await staged(platform, app, Colour.BLUE, "r1", web_images[0], "1" * 40)
        await platform.mark(app, Colour.BLUE, "r1", ColourStatus.RETIRED)
        containers = platform.runner.containers
        assert await platform.scale(app, Colour.BLUE, 0, if_release="r1", if_status=ColourStatus.RETIRED)
        stopped = await containers.inspect(name)
        down = (await platform.read(app)).colour(Colour.BLUE)
        assert await platform.scale(app, Colour.BLUE, 2, if_release="r1")
        ready = await platform.wait_ready(app, Colour.BLUE, "r1", 10)
        started = await containers.inspect(name)

    assert stopped is not None and not stopped.running
    assert down is not None and down.replicas == 0
    assert started is not None and started.running and started.labels == stopped.labels
    assert ready.ready and ready.replicas == 2  # the desired count is kept; locally one container serves it
