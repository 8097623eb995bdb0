"""An invalid greenlight.yaml fails the release with the reason, before lint or build."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS
from tests.builder.conftest import CountingEngine, request
from tests.fixtures_repo import app_files, make_repo
from tests.infra import EventTap


@pytest.mark.parametrize(("spec", "expected"), [
    ("port: 99999\n", "port"),
    ("dockerfile: ../../etc/passwd\n", "inside the repository"),
    ("[not, a, mapping]\n", "must be a mapping"),
    ("image: Bad Name\n", "not a valid repository name"),
])
async def test_invalid_spec_fails(builder, tap: EventTap, engine: CountingEngine, tmp_path: Path,
                                  app_name: str, spec: str, expected: str) -> None:
    repo, sha = make_repo(tmp_path / "repo", app_files(**{"greenlight.yaml": spec}))
    async with builder() as app:
        await app[BUS].publish(request(repo.url, sha, app_name))
        failed = await tap.wait("r1", S.BUILT, S.FAILED)

    assert failed.state == S.FAILED
    assert failed.release.error is not None and failed.release.error.step == "spec"
    assert expected in failed.release.error.reason
    assert engine.builds == [] and engine.inspections == 0


async def test_missing_dockerfile_fails(builder, tap: EventTap, engine: CountingEngine, tmp_path: Path,
                                        app_name: str) -> None:
    repo, sha = make_repo(tmp_path / "repo", {"README": "no Dockerfile here\n"})
    async with builder() as app:
        await app[BUS].publish(request(repo.url, sha, app_name))
        failed = await tap.wait("r1", S.BUILT, S.FAILED)

    assert failed.release.error is not None
    assert "Dockerfile 'Dockerfile' not found" in failed.release.error.reason
    assert engine.builds == []
