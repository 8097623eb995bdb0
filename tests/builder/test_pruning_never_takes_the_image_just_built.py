"""The image a build just made is never pruned, however old it looks: a rebuild of an old commit (a rollback, a
builder restarted in between) has its commit's creation time, older than the images it would otherwise lose to."""

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
async def test_a_rebuilt_old_commit_is_kept(builder_settings: BuilderSettings, tap: EventTap, tmp_path: Path,
                                            app_name: str, engine_url: str) -> None:
    settings = retaining(builder_settings, 2)
    repo, shas = commits(tmp_path, 3)
    first = await release_each(settings, tap, repo, shas, app_name)
    assert await image_names(engine_url, app_name) == set(first[1:])

    # A new builder process (nothing remembered) releases the oldest commit again: it is built anew.
    [again] = await release_each(settings, tap, repo, shas[:1], app_name, prefix="again")

    left = await image_names(engine_url, app_name)
    assert again == first[0] and again in left
    assert len(left) == 2, left
