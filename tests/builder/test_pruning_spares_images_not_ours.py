"""Pruning an app's old images leaves every image that is not provably one of them: another app's, an unlabelled one
named like the app's, and one carrying the app's labels (derived from its image) under a name of someone else's."""

from __future__ import annotations

from pathlib import Path

from services.builder.buildkey import APP_LABEL, KEY_LABEL, REVISION_LABEL
from services.builder.settings import BuilderSettings
from tests.builder.conftest import REGISTRY
from tests.builder.retention_helpers import (  # noqa: F401 - fixture
    app_images_removed,
    build_directly,
    commits,
    image_names,
    release_each,
    retaining,
)
from tests.infra import EventTap, docker_client

COMMIT = "0" * 40


async def test_images_not_ours_are_untouched(builder_settings: BuilderSettings, tap: EventTap, tmp_path: Path,
                                             app_name: str, engine_url: str,
                                             app_images_removed: list[str]) -> None:  # noqa: F811
    other_app = f"{app_name}-other"
    others = {
        "another app's": (f"{REGISTRY}/{other_app}:{COMMIT}",
                          {APP_LABEL: other_app, KEY_LABEL: "sha256:other", REVISION_LABEL: COMMIT}),
        "unlabelled, named like the app's": (f"{REGISTRY}/{app_name}:{COMMIT}", {}),
        "the app's labels, someone else's name": (f"localhost/someone/derived-{app_name}:1",
                                                  {APP_LABEL: app_name, KEY_LABEL: "sha256:x",
                                                   REVISION_LABEL: COMMIT}),
    }
    ids = {}
    for what, (tag, labels) in others.items():
        app_images_removed.append(tag)
        ids[what] = await build_directly(engine_url, tag, labels)
    repo, shas = commits(tmp_path, 3)

    images = await release_each(retaining(builder_settings, 1), tap, repo, shas, app_name)

    derived = others["the app's labels, someone else's name"][0]
    assert await image_names(engine_url, app_name) == {images[-1], derived}  # the app's older two are gone
    async with docker_client(engine_url) as docker:
        for what, (tag, _labels) in others.items():
            assert (await docker.images.inspect(tag))["Id"] == ids[what], what
