"""End-to-end fixtures: the whole stack on the local platform, a fixture git repo, cleanup of what it made."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import aiodocker
import httpx
import pytest

from services.shared.local import LocalSettings
from services.shared.settings import BusSettings
from tests.e2e.stack import REGISTRY, Stack, running_stack
from tests.fake_k8s.fixtures import kube
from tests.fixtures.apps import webapp_files
from tests.fixtures_repo import FixtureRepo, make_repo
from tests.infra import HINT, docker_client, engine_url
from tests.local_platform.fixtures import haproxy, local_platform, local_settings

__all__ = ["engine_url", "haproxy", "kube", "local_settings"]


@pytest.fixture(scope="session")
def registry() -> str:
    try:
        status = httpx.get(f"http://{REGISTRY}/v2/", timeout=3).status_code
    except httpx.HTTPError as exc:
        pytest.fail(f"no registry at {REGISTRY} ({exc!r}): {HINT}")
    if status != 200:
        pytest.fail(f"registry {REGISTRY} answered {status} to /v2/: {HINT}")
    return REGISTRY


@pytest.fixture
def app_name(test_id: str) -> str:
    return f"e2e-{test_id}"


@pytest.fixture
def work(tmp_path: Path) -> Path:
    """The builder's clone directory for this test."""
    work_root = tmp_path / "work"
    work_root.mkdir()
    return work_root


@pytest.fixture
def repo(tmp_path: Path) -> FixtureRepo:
    """The fixture web app's git repository; its first commit is ready to release."""
    return make_repo(tmp_path / "repo", webapp_files(extra={"greenlight.yaml": "replicas: 1\n"}))[0]


@pytest.fixture
async def images_cleanup(engine_url: str, app_name: str) -> AsyncIterator[None]:
    """Removes the images the builder made for this test's app (every tag of it) afterwards. Untagged
    parents are kept (noprune): they are the build cache other builds of the fixture app share."""
    yield
    async with docker_client(engine_url) as docker:
        found = await docker.images.list(filters={"reference": [f"{REGISTRY}/{app_name}"]})
        for image in found:  # by id: the platform's pull by digest named it too
            with contextlib.suppress(aiodocker.DockerError):
                await docker.images.delete(image["Id"], force=True, noprune=True)


@pytest.fixture
async def stack(bus_settings: BusSettings, engine_url: str, registry: str,
                local_settings: LocalSettings, work: Path, app_name: str,
                images_cleanup: None) -> AsyncIterator[Stack]:
    """Greenlight on the local platform, with a 20 s readiness deadline; the app is removed afterwards."""
    async with local_platform(local_settings, app_name), running_stack(
            bus_settings, engine_url, work, lambda: local_platform(local_settings),
            live_url=f"http://{{app}}.localhost:{local_settings.live_port}/") as running:
        yield running
