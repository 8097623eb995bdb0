"""A colour freed after a deploy that never replaced its container (the release's image could not be pulled) no longer
runs the release that was there before.

The deploy marks the colour with the new release, then fails before the container is recreated; the deployer then
frees the colour (marked released, scaled to zero). Scaling a colour to zero whose container ran another release
tried to pull the failed release's image again, to make a stopped container of it: the pull failed again, the
scale-down failed, and the earlier release's container kept running for good (its own scale-down timer names that
release, which the mark no longer does), serving on the colour's port with nothing tracking it.
"""

from __future__ import annotations

import pytest

from services.shared.appspec import AppSpec
from services.shared.local import LocalSettings
from services.shared.platform import AppRef, ColourStatus, PlatformError, Rollout
from services.shared.release import Colour
from tests.local_platform.fixtures import local_platform, staged

MISSING = "127.0.0.1:5001/gltest/never-pushed:nothing"


async def test_freed_colour_stops_the_container_it_took_over(
        local_settings: LocalSettings, web_images: tuple[str, ...], test_id: str) -> None:
    app = AppRef(f"lp-{test_id}", AppSpec(replicas=1))
    name = local_settings.container_name(app.name, Colour.BLUE)
    async with local_platform(local_settings, app.name) as platform:
        await staged(platform, app, Colour.BLUE, "r1", web_images[0], "1" * 40)
        await platform.mark(app, Colour.BLUE, "r1", ColourStatus.RETIRED)  # warm, say, after another went live
        with pytest.raises(PlatformError, match="pull"):
            await platform.deploy(app, Colour.BLUE, Rollout("r2", "2" * 40, MISSING), 1)
        # What the deployer does with a release that failed to deploy (services/deployer/outcomes.py).
        assert await platform.mark(app, Colour.BLUE, "r2", ColourStatus.RELEASED)
        assert await platform.scale(app, Colour.BLUE, 0, if_release="r2", if_status=ColourStatus.RELEASED)
        left = await platform.runner.containers.inspect(name)
        state = (await platform.read(app)).colour(Colour.BLUE)

    assert left is None or not left.running, f"{name} still runs release {left.labels}"
    assert state is not None and (state.release_id, state.replicas) == ("r2", 0)
