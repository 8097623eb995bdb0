"""The podman service (this test's own: socket, graphroot, locks) is killed in the middle of a build and stays
down 20 s: the build is retried from the broker and the release is built once the engine is back, with one
`built` and one image; down for longer than the budget, the release fails saying the engine was unavailable."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import aiodocker
import pytest

from services.builder.app import create_app
from services.builder.engine import DockerEngine
from services.builder.image_builds import BuildRequest, OutputSink
from services.builder.settings import BuilderSettings
from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS
from services.shared.settings import BusSettings
from tests.builder.conftest import request
from tests.faults.conftest import OUTAGE_LONG, TOO_LITTLE
from tests.faults.podman import copy_image, own_podman
from tests.faults.processes import Daemon, outage
from tests.fixtures_repo import app_files, make_repo
from tests.harness import running
from tests.infra import PINNED_BASE_IMAGE, EventTap

SLOW_DOCKERFILE = f"FROM {PINNED_BASE_IMAGE}\nRUN sleep 5 && echo built > /built\nCOPY app.txt /app.txt\n"


@dataclass
class SignallingEngine:
    """The real engine adapter on the test's own podman; says when a build has been sent to it."""

    inner: DockerEngine
    builds: list[str] = field(default_factory=list)
    building: asyncio.Event = field(default_factory=asyncio.Event)

    async def image_labels(self, ref: str) -> dict[str, str] | None:
        return await self.inner.image_labels(ref)

    async def build(self, context: IO[bytes], request: BuildRequest, output: OutputSink | None = None) -> str:
        self.builds.append(request.tag)
        self.building.set()
        return await self.inner.build(context, request, output)


@pytest.fixture
async def podman(tmp_path: Path, engine_url: str) -> AsyncIterator[tuple[Daemon, SignallingEngine]]:
    daemon, url, _ = own_podman(tmp_path / "podman")
    await daemon.start(60)
    await asyncio.to_thread(copy_image, engine_url, url, PINNED_BASE_IMAGE)
    docker = aiodocker.Docker(url=url)
    try:
        yield daemon, SignallingEngine(DockerEngine(docker, timeout=300, tail_lines=40))
    finally:
        await docker.close()
        await daemon.stop()


async def test_release_is_built_after_podman_was_killed_mid_build_for_20s(
        builder_settings: BuilderSettings, fault_bus: BusSettings, podman: tuple[Daemon, SignallingEngine],
        tmp_path: Path, app_name: str) -> None:
    daemon, engine = podman
    _, sha = make_repo(tmp_path / "repo", app_files(SLOW_DOCKERFILE))
    settings = builder_settings.model_copy(update={"bus": fault_bus})
    async with EventTap(fault_bus) as tap, running(create_app(settings, engine=engine)) as app:
        await app[BUS].publish(request(str(tmp_path / "repo"), sha, app_name))
        await asyncio.wait_for(engine.building.wait(), 30)
        killed = asyncio.get_running_loop().time()
        await outage(daemon, OUTAGE_LONG, kill=True)
        built = await tap.wait("r1", S.BUILT, S.FAILED, timeout=120)
        took = asyncio.get_running_loop().time() - killed
        labels = await engine.image_labels(built.release.image or "")
    assert built.state is S.BUILT, built.release.error
    assert built.details["retries"] >= 3 and "engine" in built.details["last_retry_error"]
    assert len({e.seq for e in tap.of("r1", S.BUILT)}) == 1 and not tap.of("r1", S.FAILED)
    assert labels is not None and labels.get("dev.greenlight.build-key")  # the image exists, with its build key
    assert len(engine.builds) == 2  # the one killed, the one that finished
    print(f"podman killed mid-build, down {OUTAGE_LONG:.0f} s: built {took:.1f} s after, "
          f"{built.details['retries']} retries")


async def test_release_fails_when_podman_stays_down_past_the_budget(
        builder_settings: BuilderSettings, fault_bus: BusSettings, podman: tuple[Daemon, SignallingEngine],
        tmp_path: Path, app_name: str) -> None:
    daemon, engine = podman
    _, sha = make_repo(tmp_path / "repo", app_files(SLOW_DOCKERFILE))
    bus = fault_bus.model_copy(update={"retry_budget": TOO_LITTLE})
    async with EventTap(bus) as tap, running(create_app(builder_settings.model_copy(update={"bus": bus}),
                                                        engine=engine)) as app:
        await app[BUS].publish(request(str(tmp_path / "repo"), sha, app_name))
        await asyncio.wait_for(engine.building.wait(), 30)
        await daemon.stop(kill=True)  # and it stays down
        failed = await tap.wait("r1", S.BUILT, S.FAILED, timeout=60)
    assert failed.state is S.FAILED and failed.release.error is not None
    assert failed.release.error.step == "builder"
    assert "engine unavailable for" in failed.release.error.reason
    assert "GREENLIGHT_RETRY_BUDGET=6s" in failed.release.error.reason
