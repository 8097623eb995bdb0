"""A greenlight.yaml whose `image:` is not the app's own repository (its last path component the app's name) fails
the release at step `spec`, before anything is built or pushed: it pushed into another app's registry
repository (services/shared/appspec.py, `AppSpec.foreign_image`)."""

from __future__ import annotations

from pathlib import Path

from services.builder.settings import BuilderSettings
from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS
from tests.builder.conftest import CountingEngine, request
from tests.fixtures_repo import make_repo
from tests.infra import PINNED_BASE_IMAGE, EventTap


async def test_another_apps_image_fails_at_spec(builder, builder_settings: BuilderSettings, tap: EventTap,
                                                engine: CountingEngine, tmp_path: Path, app_name: str) -> None:
    repo, sha = make_repo(tmp_path / "repo", {
        "Dockerfile": f"FROM {PINNED_BASE_IMAGE}\n", "greenlight.yaml": f"image: team/{app_name}-other\n"})
    async with builder(builder_settings) as app:
        await app[BUS].publish(request(repo.url, sha, app_name, ref="main"))
        failed = await tap.wait("r1", S.BUILT, S.FAILED)
    assert failed.state is S.FAILED and failed.release.error is not None
    assert (failed.release.error.step, failed.release.error.reason) == ("spec", (
        f"image 'team/{app_name}-other' is not app {app_name}'s: its last path component must be the app's name "
        f"({app_name} or <namespace>/{app_name})"))
    assert engine.builds == []
