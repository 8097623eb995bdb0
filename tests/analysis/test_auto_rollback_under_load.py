"""An automatic rollback through HAProxy under steady load: no request fails, blue serves again at once."""

from __future__ import annotations

import uuid

import pytest

from services.shared.local import LocalSettings
from services.shared.settings import BusSettings
from tests.analysis.auto_rollback import auto_rollback, rig
from tests.local_platform.fixtures import local_platform

pytestmark = pytest.mark.engine
INTERVAL = 0.5


async def test_a_failed_post_check_rolls_back_with_zero_failed_requests(
        bus_settings: BusSettings, local_settings: LocalSettings, web_images: tuple[str, ...],
        database_url: str) -> None:
    app = f"ar-{uuid.uuid4().hex[:6]}"
    async with local_platform(local_settings, app) as platform, \
            rig(platform, local_settings, bus_settings, database_url, app, web_images, interval=INTERVAL,
                rate=100) as setup:
        took = await auto_rollback(setup, 1)
        by_colour = setup.load.by_colour()
    assert setup.load.failures == [], setup.load.failures[:3]
    assert by_colour["green"] > 0 and by_colour["blue"] > 0  # it was live on green, then blue again
    assert took < 2 * INTERVAL + 0.2 + 1.0  # the goal plus a margin for a loaded test machine
