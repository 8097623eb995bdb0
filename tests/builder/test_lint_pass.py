"""A clean Dockerfile lints without findings and the release is built; the work dir is removed."""

from __future__ import annotations

from pathlib import Path

from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS
from tests.builder.conftest import REGISTRY, CountingEngine, leftover_workdirs, request
from tests.fixtures_repo import app_files, make_repo
from tests.infra import EventTap


async def test_clean_dockerfile_builds_with_no_findings(builder, tap: EventTap, engine: CountingEngine,
                                                         tmp_path: Path, app_name: str, work_root: Path) -> None:
    repo, sha = make_repo(tmp_path / "repo", app_files())
    async with builder() as app:
        await app[BUS].publish(request(repo.url, sha, app_name))
        built = await tap.wait("r1", S.BUILT, S.FAILED)

    assert built.state == S.BUILT, built.release.error
    assert [e.state for e in tap.of("r1")] == [S.REQUESTED, S.BUILDING, S.BUILT]
    assert built.release.lint == ()
    assert built.details["lint"] == []
    assert built.release.image == f"{REGISTRY}/{app_name}:{sha}"
    assert built.release.spec is not None and built.release.spec.dockerfile == "Dockerfile"  # defaults
    assert len(engine.builds) == 1
    assert await engine.image_labels(built.release.image) is not None
    assert leftover_workdirs(work_root) == []
