"""A failing RUN fails the release at the build step, with the tail of the build log attached."""

from __future__ import annotations

from pathlib import Path

from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS
from tests.builder.conftest import leftover_workdirs, request
from tests.fixtures_repo import CLEAN_DOCKERFILE, app_files, make_repo
from tests.infra import EventTap

BAD_RUN = CLEAN_DOCKERFILE + (
    "RUN for i in $(seq 1 60); do echo progress-line-$i; done && echo about-to-fail && exit 7\n"
)


async def test_bad_run_fails_with_log_tail(builder, builder_settings, tap: EventTap, tmp_path: Path,
                                           app_name: str, work_root: Path) -> None:
    repo, sha = make_repo(tmp_path / "repo", app_files(BAD_RUN))
    async with builder() as app:
        await app[BUS].publish(request(repo.url, sha, app_name))
        failed = await tap.wait("r1", S.BUILT, S.FAILED)

    assert failed.state == S.FAILED
    error = failed.release.error
    assert error is not None and error.step == "build"
    assert "exit" in error.reason and "7" in error.reason
    assert error.log_tail is not None
    tail = error.log_tail.splitlines()
    assert "about-to-fail" in tail
    assert "progress-line-60" in tail
    assert "progress-line-1" not in tail  # only the last lines are kept
    assert len(tail) <= builder_settings.log_tail_lines
    assert failed.release.image is None
    assert leftover_workdirs(work_root) == []
