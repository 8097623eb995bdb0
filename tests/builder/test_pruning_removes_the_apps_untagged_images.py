"""A rebuild of a commit with other inputs (here the operator's build args) takes the tag from the image before it,
which is left untagged, never to be used again: pruning removes it even while the app has fewer than `keep` images."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.builder.settings import BuilderSettings
from tests.builder.retention_helpers import (  # noqa: F401 - fixture
    app_images_removed,
    commits,
    image_names,
    release_each,
    retaining,
)
from tests.infra import EventTap, docker_client


@pytest.mark.usefixtures("app_images_removed")
async def test_an_untagged_image_of_the_app_goes(builder_settings: BuilderSettings, tap: EventTap, tmp_path: Path,
                                                 app_name: str, engine_url: str) -> None:
    repo, shas = commits(tmp_path, 1)
    settings = retaining(builder_settings, 10)
    [first] = await release_each(settings.model_copy(update={"build_args": {"LEVEL": "1"}}), tap, repo, shas,
                                 app_name, prefix="first")
    async with docker_client(engine_url) as docker:
        replaced = (await docker.images.inspect(first))["Id"]

    [again] = await release_each(settings.model_copy(update={"build_args": {"LEVEL": "2"}}), tap, repo, shas,
                                 app_name, prefix="again")

    assert again == first  # the same tag, now on another image
    async with docker_client(engine_url) as docker:
        assert (await docker.images.inspect(again))["Id"] != replaced
    assert await image_names(engine_url, app_name) == {again}  # the untagged one is gone
