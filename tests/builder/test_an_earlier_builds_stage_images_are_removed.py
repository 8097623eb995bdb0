"""A multi-stage build's earlier stages leave images of their own; an app's next build removes the previous build's.

Each build of a Dockerfile with a `build` stage left that stage's image on the engine, untagged and without
Greenlight's labels (they go to the final image), so retention never saw it: one more image per release for good
(ten releases of the events app left ten). Now the builder reads them off the build's output and, after the app's
next build, removes them, without force. The newest build's stay, and so do the cache layers the builds share: the
third build still takes its first step from the cache the first one made.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aiodocker

from services.builder.app import create_app
from services.builder.settings import BuilderSettings
from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS
from tests.builder.conftest import request
from tests.builder.retention_helpers import app_images_removed, retaining  # noqa: F401 - fixture
from tests.fixtures_repo import make_repo
from tests.harness import running
from tests.infra import PINNED_BASE_IMAGE, EventTap, docker_client

BUILDS = 3
MARK = "gltest.stage"  # a label of the build stage only: its images, and its cached steps', carry it


def dockerfile(marker: str) -> str:
    return (f"FROM {PINNED_BASE_IMAGE} AS build\n"
            f"LABEL {MARK}={marker}\n"
            "RUN echo cached > /cached.txt\n"  # the same in every build: taken from the cache after the first
            "COPY app.txt /src/app.txt\n"  # each commit's own
            f"FROM {PINNED_BASE_IMAGE}\n"
            "COPY --from=build /src/app.txt /app.txt\n"
            'CMD ["sleep", "600"]\n')


async def stage_images(docker: aiodocker.Docker, marker: str) -> dict[str, dict[str, Any]]:
    """The build stage's images on the engine (the cached steps' are intermediate, not listed), by id."""
    for attempt in range(3):
        try:
            listed = await docker.images.list(filters={"label": [f"{MARK}={marker}"]})
            break
        except aiodocker.DockerError as exc:  # podman's 500 while the builder removes an image it lists
            if exc.status < 500 or attempt == 2:
                raise
    return {str(image["Id"]): image for image in listed}


async def cached_step(docker: aiodocker.Docker, stage_image: str) -> str:
    """The image of the stage's RUN step: the parent of its COPY step's image, the stage image's parent."""
    copy_step = (await docker.images.inspect(stage_image))["Parent"]
    return str((await docker.images.inspect(copy_step))["Parent"])


async def test_only_the_newest_builds_stage_image_remains(
        builder_settings: BuilderSettings, tap: EventTap, tmp_path: Path, app_name: str, engine_url: str,
        app_images_removed: list[str]) -> None:  # noqa: F811 - fixture
    repo, first = make_repo(tmp_path / "repo", {"Dockerfile": dockerfile(app_name), "app.txt": "build 0\n"})
    shas = [first, *(repo.commit({"app.txt": f"build {n}\n"}) for n in range(1, BUILDS))]
    async with docker_client(engine_url) as docker:
        async with running(create_app(retaining(builder_settings, 5))) as service:
            for n, sha in enumerate(shas):
                await service[BUS].publish(request(repo.url, sha, app_name, rid=f"r{n}"))
                built = await tap.wait(f"r{n}", S.BUILT, S.FAILED, timeout=180)
                assert built.state == S.BUILT, built.release.error
                found = await stage_images(docker, app_name)
                app_images_removed.extend(found)
                if n == 0:
                    assert len(found) == 1, found  # the build made one (nothing to remove yet)
                    first_stage = next(iter(found))
                    first_cached = await cached_step(docker, first_stage)
        # stopped: the pruning after the last `built` has ended
        left = await stage_images(docker, app_name)

        assert len(left) == 1 and first_stage not in left, left  # the newest build's only
        (newest,) = left
        assert await cached_step(docker, newest) == first_cached  # the cache the first build made, kept and used
