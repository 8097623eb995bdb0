"""Findings at or above the threshold fail the release with them, and nothing is built."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.builder.settings import BuilderSettings
from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS
from tests.builder.conftest import CountingEngine, request
from tests.fixtures_repo import CLEAN_DOCKERFILE, WARN_DOCKERFILE, app_files, make_repo
from tests.infra import EventTap


@pytest.mark.parametrize(("dockerfile", "threshold", "code"), [
    (CLEAN_DOCKERFILE + "MAINTAINER someone@example.org\n", "error", "DL4000"),  # error ≥ default threshold
    (WARN_DOCKERFILE, "warning", "DL3007"),  # a warning fails once the threshold is lowered to it
])
async def test_finding_at_threshold_fails_the_release(
        builder, builder_settings: BuilderSettings, tap: EventTap, engine: CountingEngine, tmp_path: Path,
        app_name: str, dockerfile: str, threshold: str, code: str) -> None:
    repo, sha = make_repo(tmp_path / "repo", app_files(dockerfile))
    settings = builder_settings.model_copy(update={"lint_threshold": threshold})
    async with builder(settings) as app:
        await app[BUS].publish(request(repo.url, sha, app_name))
        failed = await tap.wait("r1", S.BUILT, S.FAILED)

    assert failed.state == S.FAILED
    assert failed.release.error is not None and failed.release.error.step == "lint"
    assert code in failed.release.error.reason and f"at or above {threshold}" in failed.release.error.reason
    assert code in [f.code for f in failed.release.lint]
    assert code in [f["code"] for f in failed.details["lint"]]
    assert engine.builds == []
