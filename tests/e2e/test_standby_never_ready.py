"""A standby that never answers its readiness path fails at `deploy`; live traffic stays where it was."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from services.shared.local import LocalSettings
from services.shared.protocol import ReleaseState as S
from services.shared.settings import BusSettings
from tests.e2e.stack import Stack, running_stack
from tests.fixtures_repo import FixtureRepo
from tests.local_platform.fixtures import local_platform, through_proxy
from tests.local_platform.load import Load

READY_TIMEOUT = 4.0


@pytest.fixture
async def impatient(bus_settings: BusSettings, engine_url: str, registry: str, local_settings: LocalSettings,
                    work: Path, app_name: str, images_cleanup: None) -> AsyncIterator[Stack]:
    async with local_platform(local_settings, app_name), running_stack(
            bus_settings, engine_url, work, lambda: local_platform(local_settings),
            ready_timeout=READY_TIMEOUT) as stack:
        yield stack


async def test_never_ready_standby_fails_and_live_keeps_serving(
        impatient: Stack, repo: FixtureRepo, app_name: str, local_settings: LocalSettings) -> None:
    first = repo.git("rev-parse", "HEAD")
    await impatient.ship(app_name, repo.url, first)
    broken = repo.commit({"www/readyz": None}, "readiness endpoint lost")
    async with Load(f"http://127.0.0.1:{local_settings.live_port}/", local_settings.host_of(app_name),
                    rate=50) as load:
        release_id = await impatient.release(app_name, repo.url, broken)
        failed = await impatient.wait(release_id, S.FAILED, S.AWAITING_APPROVAL)
    served = await through_proxy(local_settings, app_name)

    assert failed.state is S.FAILED and failed.error is not None and failed.error.step == "deploy"
    assert f"not ready within {READY_TIMEOUT:g}s" in failed.error.reason and "answered 404" in failed.error.reason
    assert served == (200, f"version={first} colour=blue\n", "blue")
    assert load.answers and load.failures == [] and set(load.by_colour()) == {"blue"}
