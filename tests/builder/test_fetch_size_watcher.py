"""A fetch that keeps writing past `max_repo_bytes` is killed while it runs, not left to the clone timeout.

The size check after a fetch cannot see this: the fetch below never ends by itself. Only the watcher
that looks at the work dir while git runs can stop it."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from services.builder.settings import BuilderSettings
from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS
from tests.builder.conftest import CountingEngine, leftover_workdirs, request
from tests.fixtures_repo import app_files, make_repo
from tests.infra import EventTap


async def test_growing_fetch_is_killed_at_the_size_limit(
        builder, builder_settings: BuilderSettings, tap: EventTap, engine: CountingEngine, tmp_path: Path,
        app_name: str, work_root: Path) -> None:
    repo, sha = make_repo(tmp_path / "repo", app_files())
    pid_file = tmp_path / "fetch.pid"
    # The fetch writes past the limit into the work dir (git's cwd), then stalls as a huge download would;
    # `exec` makes the stalled process the one the builder started, so its pid is the one to be killed.
    growing = tmp_path / "growing-git"
    growing.write_text(
        "#!/bin/sh\n"
        'case "$*" in *" fetch "*)\n'
        f"  echo $$ > {pid_file}\n"
        "  head -c 300000 /dev/urandom > .git/incoming.pack\n"
        "  exec sleep 300;;\n"
        "esac\n"
        'exec git "$@"\n'
    )
    growing.chmod(growing.stat().st_mode | stat.S_IXUSR)
    # A clone timeout far beyond the wait below: a failure in time can only come from the watcher.
    settings = builder_settings.model_copy(update={"git_binary": str(growing), "max_repo_bytes": 100_000,
                                                   "clone_timeout": 120.0})
    async with builder(settings) as app:
        await app[BUS].publish(request(f"file://{repo.path}", sha, app_name))
        failed = await tap.wait("r1", S.BUILT, S.FAILED, timeout=20)

    assert failed.state == S.FAILED
    error = failed.release.error
    assert error is not None
    assert (error.step, error.reason) == ("source", "repository is larger than the 100000 byte limit")
    pid = int(pid_file.read_text())
    with pytest.raises(ProcessLookupError):  # killed and reaped, not left running
        os.kill(pid, 0)
    assert engine.builds == []
    assert leftover_workdirs(work_root) == []
