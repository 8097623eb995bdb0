"""An old image a container runs (the local platform's live or warm colour) is kept: the engine refuses its removal
without force, and the builder never forces. The old image no container uses goes."""

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


@pytest.mark.usefixtures("app_images_removed")
async def test_an_image_in_use_is_kept(builder_settings: BuilderSettings, tap: EventTap, tmp_path: Path,
                                       app_name: str, engine_url: str) -> None:
    settings = retaining(builder_settings, 1)
    repo, shas = commits(tmp_path, 3)
    [live] = await release_each(settings, tap, repo, shas[:1], app_name, prefix="live")
    colour = f"{app_name}-blue"
    async with docker_client(engine_url) as docker:
        containers = EngineContainers(docker, pull_auth=None, podman_cgroups="enabled")
        try:
            # As the local platform runs a colour: a container of the release's image, running.
            await containers.replace(ContainerSpec(colour, live, {}, {"dev.greenlight.app": app_name}), start=True)

            images = await release_each(settings, tap, repo, shas[1:], app_name)

            assert await image_names(engine_url, app_name) == {live, images[-1]}  # images[0] is gone
            running = await containers.inspect(colour)
            assert running is not None and running.running
        finally:
            await containers.remove(colour)
