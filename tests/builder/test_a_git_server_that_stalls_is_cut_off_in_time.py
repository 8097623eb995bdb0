"""A git server that answers, then sends nothing more and keeps the connection open, is cut off at the builder's
timeout: the history's deepening fetch at `history_timeout` (the release's own commit recorded, the build standing),
the clone at `clone_timeout` (retried later, as a server that refuses). Nothing of git stays behind.

Before: only `git fetch` itself was killed at the timeout; its child `git remote-http` still held the pipes, and
waiting for it to end waited on the stalled server: a 2 s history timeout ran for as long as the server kept the
connection open (the test's 15 s), holding the release's message, and left `git remote-http` running."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from services.builder.source import GitCli
from services.shared.repo_policy import RepositorySettings
from services.shared.sources import GitUnavailable
from tests.builder.stalling_git_server import StallingGitServer, git_processes_naming, serve_bare
from tests.fixtures_repo import make_repo

BOUND = 15.0  # far past the timeouts below: reaching it is the defect


def cli(tmp_path: Path, server: StallingGitServer, timeout: float) -> GitCli:
    return GitCli(binary="git", timeout=timeout, max_bytes=50_000_000, work_root=tmp_path,
                  repositories=RepositorySettings(allow=[server.url("*")]))


async def test_a_deepening_fetch_that_stalls_ends_at_the_history_timeout(tmp_path: Path) -> None:
    repo, live = make_repo(tmp_path / "src", {"a.txt": "0"})
    head = [repo.commit({"a.txt": str(n)}, f"change {n}") for n in range(3)][-1]
    serve_bare(repo.path, tmp_path / "www", "r.git")
    with StallingGitServer(tmp_path / "www", stall_on=b"deepen 17") as server:
        git = cli(tmp_path, server, timeout=30)
        async with git.checkout(server.url("r.git"), head) as checkout:
            started = time.monotonic()
            async with asyncio.timeout(BOUND):
                found = await git.shipped(checkout, server.url("r.git"), head, live, limit=200, timeout=2)
            took = time.monotonic() - started
        assert server.stalled.is_set()
        assert found is not None and [sha for sha, _ in found.commits] == [head]
        assert found.note == "its history could not be fetched"
        assert took < 2 + 3, took
        assert git_processes_naming(f":{server.port}/") == []


async def test_a_clone_that_stalls_ends_at_the_clone_timeout(tmp_path: Path) -> None:
    _, head = make_repo(tmp_path / "src", {"a.txt": "0"})
    serve_bare(tmp_path / "src", tmp_path / "www", "r.git")
    with StallingGitServer(tmp_path / "www", stall_on=b"deepen 1") as server:
        git = cli(tmp_path, server, timeout=2)
        started = time.monotonic()
        with pytest.raises(GitUnavailable, match="took longer than 2s"):
            async with asyncio.timeout(BOUND):
                async with git.checkout(server.url("r.git"), head):
                    pass
        took = time.monotonic() - started
        assert server.stalled.is_set()
        assert took < 2 + 3, took
        assert git_processes_naming(f":{server.port}/") == []
