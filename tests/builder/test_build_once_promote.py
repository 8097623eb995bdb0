"""A second release of the same commit with the same build key reuses the image: no second build."""

from __future__ import annotations

from pathlib import Path

from services.builder.buildkey import KEY_LABEL
from services.builder.settings import BuilderSettings
from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS
from tests.builder.conftest import CountingEngine, request
from tests.fixtures_repo import app_files, make_repo
from tests.infra import EventTap


async def test_same_key_reuses_other_key_rebuilds(builder, builder_settings: BuilderSettings, tap: EventTap,
                                                  engine: CountingEngine, tmp_path: Path, app_name: str) -> None:
    repo, sha = make_repo(tmp_path / "repo", app_files())
    async with builder() as app:
        await app[BUS].publish(request(repo.url, sha, app_name, rid="r1"))
        first = await tap.wait("r1", S.BUILT, S.FAILED)
        await app[BUS].publish(request(repo.url, sha, app_name, rid="r2"))
        second = await tap.wait("r2", S.BUILT, S.FAILED)
    assert first.state == second.state == S.BUILT, (first.release.error, second.release.error)
    assert len(engine.builds) == 1
    assert first.details["reused"] is False and second.details["reused"] is True
    assert second.details["build_key"] == first.details["build_key"]
    assert second.details["note"].startswith(f"reused image {first.release.image}")
    assert second.release.image == first.release.image

    # Another build arg is another key: built again, and the tag now carries the new key.
    changed = builder_settings.model_copy(update={"build_args": {"FLAVOUR": "other"}})
    async with builder(changed) as app:
        await app[BUS].publish(request(repo.url, sha, app_name, rid="r3"))
        third = await tap.wait("r3", S.BUILT, S.FAILED)
    assert third.state == S.BUILT and third.details["reused"] is False
    assert third.details["build_key"] != first.details["build_key"]
    assert len(engine.builds) == 2
    labels = await engine.image_labels(third.release.image or "")
    assert labels is not None and labels[KEY_LABEL] == third.details["build_key"]
