"""For the image retention tests: the builder service as deployed (its own engine client), an app's commits released
one after another, and what the engine holds of an app afterwards."""

from __future__ import annotations

import io
import os
import tarfile
from collections.abc import AsyncIterator, Mapping
from pathlib import Path
from typing import Any
from unittest import mock

import aiodocker
import pytest

from services.builder.app import create_app
from services.builder.buildkey import APP_LABEL
from services.builder.settings import BuilderSettings
from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS
from tests.builder.conftest import request
from tests.fixtures_repo import FixtureRepo, make_repo
from tests.harness import running
from tests.infra import PINNED_BASE_IMAGE, EventTap, docker_client

# A CMD that keeps running, so a container of it stands for a colour the local platform runs.
DOCKERFILE = f'FROM {PINNED_BASE_IMAGE}\nCOPY app.txt /app.txt\nCMD ["sleep", "600"]\n'
STOP_WITHIN = 180.0  # the service stops once its last pruning ended (bounded by prune_timeout)


def retaining(settings: BuilderSettings, keep: int) -> BuilderSettings:
    """The builder with `keep` images an app; its stop waits for the pruning after the last `built`."""
    bus = settings.bus.model_copy(update={"grace_period": STOP_WITHIN})
    return settings.model_copy(update={"keep_images": keep, "bus": bus})


def commits(tmp_path: Path, count: int) -> tuple[FixtureRepo, list[str]]:
    """A repository with `count` commits a day apart, each making a different image: podman dates an image by its
    commit, so the later commit's image is the newer one, as in a real history."""
    def dated(n: int) -> dict[str, str]:
        date = f"2026-01-{n + 1:02d}T12:00:00Z"
        return {"GIT_COMMITTER_DATE": date, "GIT_AUTHOR_DATE": date}

    with mock.patch.dict(os.environ, dated(0)):
        repo, first = make_repo(tmp_path / "repo", {"Dockerfile": DOCKERFILE, "app.txt": "build 0\n"})
    shas = [first]
    for n in range(1, count):
        with mock.patch.dict(os.environ, dated(n)):
            shas.append(repo.commit({"app.txt": f"build {n}\n"}))
    return repo, shas


async def release_each(settings: BuilderSettings, tap: EventTap, repo: FixtureRepo, shas: list[str],
                       app: str, prefix: str = "r") -> list[str]:
    """Each commit released in turn, through the builder service; returns the images `built` named."""
    images = []
    async with running(create_app(settings)) as service:
        for n, sha in enumerate(shas):
            await service[BUS].publish(request(repo.url, sha, app, rid=f"{prefix}{n}"))
            built = await tap.wait(f"{prefix}{n}", S.BUILT, S.FAILED, timeout=180)
            assert built.state == S.BUILT, built.release.error
            assert built.release.image is not None
            images.append(built.release.image)
    return images


async def labelled(docker: aiodocker.Docker, app: str) -> list[dict[str, Any]]:
    """The images the engine labels as `app`'s."""
    for attempt in range(3):
        try:
            return list(await docker.images.list(filters={"label": [f"{APP_LABEL}={app}"]}))
        except aiodocker.DockerError as exc:  # podman's 500 while another client removes an image it lists
            if exc.status < 500 or attempt == 2:
                raise
    return []


async def image_names(engine_url: str, app: str) -> set[str]:
    """Every name of every image the engine labels as `app`'s, untagged ones as their ids."""
    async with docker_client(engine_url) as docker:
        listed = await labelled(docker, app)
    return {name for image in listed
            for name in ([t for t in image.get("RepoTags") or () if "<none>" not in t] or [image["Id"]])}


async def build_directly(engine_url: str, tag: str, labels: Mapping[str, str]) -> str:
    """An image made on the engine without Greenlight's builder; returns its id."""
    dockerfile = f"FROM {PINNED_BASE_IMAGE}\n" + "".join(f"LABEL {k}={v}\n" for k, v in labels.items())
    dockerfile += f"LABEL made.by={tag.rpartition(':')[2]}\n"  # an image of its own, never the cache's
    archive = io.BytesIO()
    with tarfile.open(fileobj=archive, mode="w") as tar:
        info = tarfile.TarInfo("Dockerfile")
        info.size = len(dockerfile.encode())
        tar.addfile(info, io.BytesIO(dockerfile.encode()))
    archive.seek(0)
    async with docker_client(engine_url) as docker:
        await docker.images.build(fileobj=archive, encoding="identity", tag=tag)
        return str((await docker.images.inspect(tag))["Id"])


@pytest.fixture
async def app_images_removed(engine_url: str, app_name: str) -> AsyncIterator[list[str]]:
    """Afterwards every image labelled as this test's app is removed, and any ref the test adds to the list."""
    extra: list[str] = []
    yield extra
    async with docker_client(engine_url) as docker:
        listed = await labelled(docker, app_name)
        for ref in [*extra, *(image["Id"] for image in listed)]:
            for _ in range(3):  # podman answers 500 now and then while another client removes images
                try:
                    await docker.images.delete(ref, force=True)
                    break
                except Exception as exc:  # best effort, like tests.infra.remove_images
                    if getattr(exc, "status", None) == 404:
                        break
