"""Findings below the threshold are reported in the release and the event, and the build goes on."""

from __future__ import annotations

from pathlib import Path

from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS
from tests.builder.conftest import CountingEngine, request
from tests.fixtures_repo import WARN_DOCKERFILE, app_files, make_repo
from tests.infra import EventTap


async def test_warning_is_reported_and_build_goes_on(builder, tap: EventTap, engine: CountingEngine,
                                                     tmp_path: Path, app_name: str) -> None:
    repo, sha = make_repo(tmp_path / "repo", app_files(WARN_DOCKERFILE))
    async with builder() as app:
        await app[BUS].publish(request(repo.url, sha, app_name))
        built = await tap.wait("r1", S.BUILT, S.FAILED)

    assert built.state == S.BUILT, built.release.error
    assert [(f.code, f.level, f.line, f.file) for f in built.release.lint] == [
        ("DL3007", "warning", 1, "Dockerfile")]
    assert built.details["lint"][0]["code"] == "DL3007"
    assert "latest" in built.details["lint"][0]["message"]
    assert len(engine.builds) == 1
