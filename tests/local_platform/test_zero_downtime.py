"""Under a steady 200 requests/s through HAProxy, ten switches back and forth fail no request."""

from __future__ import annotations

import asyncio
import time

from services.shared.appspec import AppSpec
from services.shared.local import LocalSettings
from services.shared.platform import AppRef
from services.shared.release import Colour
from tests.local_platform.fixtures import local_platform, staged
from tests.local_platform.load import Load

SWITCHES = 10
DWELL = 0.3  # seconds of traffic on each colour after it took over, so the other one drains under load


async def test_ten_switches_under_load_fail_no_request(
        local_settings: LocalSettings, web_images: tuple[str, ...], test_id: str) -> None:
    app = AppRef(f"lp-{test_id}", AppSpec(replicas=1))
    releases = {Colour.BLUE: "r1", Colour.GREEN: "r2"}
    latencies: list[float] = []
    async with local_platform(local_settings, app.name) as platform:
        await staged(platform, app, Colour.BLUE, "r1", web_images[0], "1" * 40)
        await platform.switch(app, None, Colour.BLUE, "r1")
        await staged(platform, app, Colour.GREEN, "r2", web_images[1], "2" * 40)
        async with Load(f"http://127.0.0.1:{local_settings.live_port}/", local_settings.host_of(app.name),
                        rate=200) as load:
            await load.first_from("blue", 0)
            live = Colour.BLUE
            for _ in range(SWITCHES):
                started = time.monotonic()
                assert await platform.switch(app, live, live.other, releases[live.other])
                live = live.other
                latencies.append(await load.first_from(live.value, started) - started)
                await asyncio.sleep(DWELL)

    assert load.failures == [], f"{len(load.failures)} failed of {len(load.answers)}: {load.failures[:5]}"
    assert len(load.answers) >= SWITCHES * DWELL * 200 * 0.8
    assert set(load.by_colour()) == {"blue", "green"}
    assert len(latencies) == SWITCHES and max(latencies) < 2.0, latencies
