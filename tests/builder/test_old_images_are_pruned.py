"""After N+2 builds of an app the engine holds its newest N images only: the builder removes the older ones."""

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
from tests.infra import EventTap

KEEP = 2


@pytest.mark.usefixtures("app_images_removed")
async def test_only_the_newest_images_remain(builder_settings: BuilderSettings, tap: EventTap, tmp_path: Path,
                                             app_name: str, engine_url: str) -> None:
    repo, shas = commits(tmp_path, KEEP + 2)

    images = await release_each(retaining(builder_settings, KEEP), tap, repo, shas, app_name)

    assert len(set(images)) == KEEP + 2  # each commit made an image of its own
    assert await image_names(engine_url, app_name) == set(images[-KEEP:])
