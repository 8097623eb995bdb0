"""Builder fixtures: real git repos, the real engine (a counting proxy around it), a git spy."""

from __future__ import annotations

import os
import stat
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import pytest

from services.builder.app import create_app
from services.builder.engine import DockerEngine
from services.builder.image_builds import BuildEngine, BuildRequest, OutputSink
from services.builder.settings import BuilderSettings
from services.shared.events import ReleaseEvent, first_event
from services.shared.release import Release
from services.shared.settings import BusSettings
from tests.harness import running
from tests.infra import (  # noqa: F401 - fixtures
    EventTap,
    docker_client,
    engine_url,
    moto_endpoint,
    registries,
    remove_images,
)
from tests.progress_tap import progress  # noqa: F401 - fixture

REGISTRY = "127.0.0.1:5001"


@dataclass
class GitSpy:
    """A `git` that records each invocation in a file, then runs the real git: proof of what ran."""

    path: Path
    log: Path

    def calls(self) -> list[str]:
        return self.log.read_text().splitlines() if self.log.exists() else []


@pytest.fixture
def git_spy(tmp_path: Path) -> GitSpy:
    log = tmp_path / "git-calls.log"
    script = tmp_path / "git-spy"
    script.write_text(f'#!/bin/sh\necho "$*" >> {log}\nexec git "$@"\n')
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return GitSpy(script, log)


@pytest.fixture
def app_name(test_id: str) -> str:
    return f"app-{test_id}"


@pytest.fixture
def work_root(tmp_path: Path) -> Path:
    root = tmp_path / "work"
    root.mkdir()
    return root


@pytest.fixture
def builder_settings(bus_settings: BusSettings, engine_url: str, work_root: Path,  # noqa: F811
                     git_spy: GitSpy) -> BuilderSettings:
    return BuilderSettings(bus=bus_settings, docker_host=engine_url, registry=REGISTRY,
                           allow_local_repos=True, work_root=work_root, git_binary=str(git_spy.path))


@dataclass
class CountingEngine:
    """The real engine adapter, counting what the builder asks of it."""

    inner: BuildEngine
    builds: list[BuildRequest] = field(default_factory=list)
    inspections: int = 0

    async def image_labels(self, ref: str) -> dict[str, str] | None:
        self.inspections += 1
        return await self.inner.image_labels(ref)

    async def build(self, context: IO[bytes], request: BuildRequest, output: OutputSink | None = None) -> str:
        self.builds.append(request)
        return await self.inner.build(context, request, output)


@pytest.fixture
async def engine(engine_url: str) -> AsyncIterator[CountingEngine]:  # noqa: F811
    """The real engine, counted; every image built through it is removed afterwards."""
    async with docker_client(engine_url) as docker:
        counting = CountingEngine(DockerEngine(docker, timeout=300, tail_lines=40))
        yield counting
    await remove_images(engine_url, [request.tag for request in counting.builds])


@pytest.fixture
async def tap(bus_settings: BusSettings) -> AsyncIterator[EventTap]:
    async with EventTap(bus_settings) as events:
        yield events


@pytest.fixture
def builder(builder_settings: BuilderSettings, engine: CountingEngine):  # type: ignore[no-untyped-def]
    """`async with builder() as app:` runs the builder service against the counted real engine."""
    return lambda settings=None: running(create_app(settings or builder_settings, engine=engine))


def request(repository: str, commit: str, app: str, rid: str = "r1", ref: str | None = None) -> ReleaseEvent:
    release = Release(id=rid, app=app, repository=repository, commit=commit, ref=ref, requested_by="ann")
    return first_event(release, actor="ann")


def leftover_workdirs(work_root: Path) -> list[str]:
    return sorted(os.listdir(work_root))
