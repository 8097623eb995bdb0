"""An old image with a second name (the pusher tags it `<target registry>/<repo>:<commit>` when that is not the
builder's registry; the engine will not remove an image of several names by id without force) is removed all the
same when no container uses it; while one does, it keeps its names and stays."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.builder.settings import BuilderSettings
from services.shared.local.containers import ContainerSpec, EngineContainers
from tests.builder.retention_helpers import (  # noqa: F401 - fixture
    app_images_removed,
    commits,
    image_names,
    release_each,
    retaining,
)
from tests.infra import EventTap, docker_client

TARGET = "127.0.0.1:5002"  # the pusher's registry here, another than the builder's


@pytest.mark.usefixtures("app_images_removed")
async def test_an_image_of_two_names_goes_unless_used(builder_settings: BuilderSettings, tap: EventTap,
                                                      tmp_path: Path, app_name: str, engine_url: str) -> None:
    repo, shas = commits(tmp_path, 4)
    olds = await release_each(retaining(builder_settings, 0), tap, repo, shas[:2], app_name, prefix="old")
    pushed = [f"{TARGET}/{app_name}:{sha}" for sha in shas[:2]]
    colour = f"{app_name}-green"
    async with docker_client(engine_url) as docker:
        for old, sha in zip(olds, shas[:2], strict=True):
            await docker.images.tag(old, f"{TARGET}/{app_name}", tag=sha)  # as the pusher does
        containers = EngineContainers(docker, pull_auth=None, podman_cgroups="enabled")
        try:
            await containers.replace(ContainerSpec(colour, pushed[1], {}, {}), start=True)

            images = await release_each(retaining(builder_settings, 1), tap, repo, shas[2:], app_name)

            # The first old image went with both its names; the one a container runs kept both.
            assert await image_names(engine_url, app_name) == {olds[1], pushed[1], images[-1]}
        finally:
            await containers.remove(colour)
