"""A colour that exits, or never answers its readiness path, fails with the reason and its log tail."""

from __future__ import annotations

import pytest

from services.shared.appspec import AppSpec
from services.shared.local import LocalSettings
from services.shared.platform import AppRef, NotReady, Rollout
from services.shared.release import Colour
from tests.local_platform.fixtures import CRASHING, NEVER_READY, local_platform


async def test_exit_and_timeout_are_reported(local_settings: LocalSettings, web_images: tuple[str, ...],
                                             test_id: str) -> None:
    app = AppRef(f"lp-{test_id}", AppSpec(replicas=1, readiness_path="/readyz"))
    async with local_platform(local_settings, app.name) as platform:
        await platform.ensure_app(app)
        await platform.deploy(app, Colour.BLUE, Rollout("crash", "1" * 40, CRASHING), 1)
        with pytest.raises(NotReady) as crashed:
            await platform.wait_ready(app, Colour.BLUE, "crash", 10)
        await platform.deploy(app, Colour.GREEN, Rollout("slow", "2" * 40, NEVER_READY), 1)
        with pytest.raises(NotReady) as never:
            await platform.wait_ready(app, Colour.GREEN, "slow", 1.0)

    assert "exit code 3" in crashed.value.reason
    assert crashed.value.log_tail is not None and "boom: no config" in crashed.value.log_tail
    assert "not ready within 1s" in never.value.reason and "answered 404" in never.value.reason
