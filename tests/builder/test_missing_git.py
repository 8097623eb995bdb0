"""A builder whose `git` executable does not exist fails the release at once, saying which one is missing."""

from __future__ import annotations

from pathlib import Path

from services.builder.settings import BuilderSettings
from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS
from tests.builder.conftest import CountingEngine, leftover_workdirs, request
from tests.fixtures_repo import app_files, make_repo
from tests.infra import EventTap


async def test_missing_git_binary_fails_clearly(builder, builder_settings: BuilderSettings, tap: EventTap,
                                                engine: CountingEngine, tmp_path: Path, app_name: str,
                                                work_root: Path) -> None:
    repo, sha = make_repo(tmp_path / "repo", app_files())
    missing = str(tmp_path / "no-such-dir" / "git")
    settings = builder_settings.model_copy(update={"git_binary": missing})
    async with builder(settings) as app:
        await app[BUS].publish(request(f"file://{repo.path}", sha, app_name))
        failed = await tap.wait("r1", S.BUILT, S.FAILED, timeout=20)

    assert failed.state == S.FAILED
    error = failed.release.error
    assert error is not None
    # Source step, in the builder's own words: not "builder gave up" after every allowed redelivery.
    reason = f"git executable {missing!r} cannot be run: No such file or directory"
    assert (error.step, error.reason) == ("source", reason)
    # Handled on the first delivery: requested, building, failed, and nothing else.
    assert [e.state for e in tap.of("r1")] == [S.REQUESTED, S.BUILDING, S.FAILED]
    assert engine.builds == []
    assert leftover_workdirs(work_root) == []
