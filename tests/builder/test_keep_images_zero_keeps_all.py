"""GREENLIGHT_BUILDER_KEEP_IMAGES=0 turns pruning off: every image of every build stays on the engine."""

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


@pytest.mark.usefixtures("app_images_removed")
async def test_zero_keeps_every_image(builder_settings: BuilderSettings, tap: EventTap, tmp_path: Path,
                                      app_name: str, engine_url: str,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GREENLIGHT_BUILDER_KEEP_IMAGES", "0")
    from_env = BuilderSettings(**builder_settings.model_dump(exclude={"keep_images"}))
    assert from_env.keep_images == 0
    assert BuilderSettings.model_fields["keep_images"].default == 10  # the documented default
    repo, shas = commits(tmp_path, 3)

    images = await release_each(retaining(from_env, from_env.keep_images), tap, repo, shas, app_name)

    assert await image_names(engine_url, app_name) == set(images)
