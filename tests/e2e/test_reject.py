"""A rejected release never takes traffic: its standby colour is freed (marked released, stopped)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from services.shared.local import LocalSettings
from services.shared.platform import AppRef, ColourStatus
from services.shared.protocol import ReleaseState as S
from services.shared.release import Colour
from services.shared.settings import BusSettings
from tests.e2e.recorder import Recorder
from tests.e2e.stack import Stack, running_stack
from tests.fixtures_repo import FixtureRepo
from tests.local_platform.fixtures import local_platform, through_proxy


@pytest.fixture
async def recorded(bus_settings: BusSettings, engine_url: str, registry: str, local_settings: LocalSettings,
                   work: Path, app_name: str, images_cleanup: None) -> AsyncIterator[tuple[Stack, Recorder]]:
    recorder = Recorder(lambda: local_platform(local_settings))
    async with local_platform(local_settings, app_name), running_stack(
            bus_settings, engine_url, work, recorder.open) as stack:
        yield stack, recorder


async def test_rejected_release_frees_its_colour(recorded: tuple[Stack, Recorder], repo: FixtureRepo,
                                                 app_name: str, local_settings: LocalSettings) -> None:
    stack, recorder = recorded
    app = AppRef(app_name)
    release_id = await stack.release(app_name, repo.url, repo.git("rev-parse", "HEAD"))
    await stack.wait(release_id, S.AWAITING_APPROVAL)
    answer = await stack.decide(release_id, "reject", "not today")
    rejected = await stack.wait(release_id, S.REJECTED)
    await recorder.wait("scale", app_name, Colour.BLUE, 0)
    async with local_platform(local_settings) as platform:
        state = await platform.read(app)
        container = await platform.runner.containers.inspect(local_settings.container_name(app_name, Colour.BLUE))
    served = await through_proxy(local_settings, app_name)

    assert answer.status_code == 200 and answer.json()["state"] == "rejected"
    assert rejected.comment == "not today" and rejected.approver == "dev-approver"
    blue = state.colour(Colour.BLUE)
    assert blue is not None and blue.release_id == release_id and blue.status is ColourStatus.RELEASED
    assert blue.replicas == 0 and container is not None and not container.running
    assert state.live is None and served[0] == 503  # it never took live traffic
