"""A checkout that outlasts the clone timeout fails the release as the repository's, not the server's.

What was wrong: the whole of fetch-and-checkout ran under one timeout whose expiry was reported as
`GitUnavailable` ("fetching <url> took longer than ..."), a transient fault of the git server. But
checking out is local work on what was already fetched: a repository whose tree takes too long to write
(hundreds of thousands of files in a small pack) got the whole clone done again on every retry until the
retry budget was spent, and then failed blaming the server. Now only the fetch's expiry is transient; a
checkout past the same deadline fails the release at once, saying so.
"""

from __future__ import annotations

import stat
from pathlib import Path

from services.builder.settings import BuilderSettings
from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS
from tests.builder.conftest import leftover_workdirs, request
from tests.fixtures_repo import app_files, make_repo
from tests.infra import EventTap


async def test_a_checkout_past_the_deadline_fails_at_once_saying_so(
        builder, builder_settings: BuilderSettings, tap: EventTap, tmp_path: Path, app_name: str,
        work_root: Path) -> None:
    repo, sha = make_repo(tmp_path / "repo", app_files())
    calls = tmp_path / "calls"
    slow = tmp_path / "slow-checkout-git"  # the checkout of a huge tree, stood in for by a sleep
    slow.write_text(f'#!/bin/sh\necho "$*" >> {calls}\ncase "$*" in *" checkout "*) exec sleep 30;; esac\n'
                    'exec git "$@"\n')
    slow.chmod(slow.stat().st_mode | stat.S_IXUSR)
    settings = builder_settings.model_copy(update={"git_binary": str(slow), "clone_timeout": 1.0})
    async with builder(settings) as app:
        await app[BUS].publish(request(f"file://{repo.path}", sha, app_name))
        failed = await tap.wait("r1", S.BUILT, S.FAILED, timeout=15)

    assert failed.release.error is not None and failed.release.error.step == "source"
    assert failed.release.error.reason == f"checking out {sha} took longer than 1s"
    assert len([c for c in calls.read_text().splitlines() if " fetch " in f" {c} "]) == 1  # not retried
    assert leftover_workdirs(work_root) == []
