"""A branch resolved at `POST /releases` (`git ls-remote`) against a server that answers, then sends nothing more and
keeps the connection open, ends at its timeout. Before, only git was killed: its `git remote-http` held the pipes
open, and waiting for git waited on the stalled server, so the request hung past any timeout."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from services.shared.git_target import SourceTimeout
from services.shared.repo_policy import RepositoryPolicy
from services.shared.sources import resolve_ref
from tests.builder.stalling_git_server import StallingGitServer, git_processes_naming, serve_bare
from tests.fixtures_repo import make_repo

BOUND = 15.0  # far past the timeout below: reaching it is the defect


async def test_ls_remote_against_a_stalling_server_ends_at_the_timeout(tmp_path: Path) -> None:
    make_repo(tmp_path / "src", {"a.txt": "0"})
    serve_bare(tmp_path / "src", tmp_path / "www", "r.git")
    with StallingGitServer(tmp_path / "www", stall_on=b"ls-refs") as server:
        started = time.monotonic()
        try:
            async with asyncio.timeout(BOUND):
                await resolve_ref(server.url("r.git"), "main", timeout=2,
                                  policy=RepositoryPolicy([server.url("*")]))
        except SourceTimeout:
            pass
        else:
            raise AssertionError("a stalled server's answer was taken")
        took = time.monotonic() - started
        assert server.stalled.is_set()
        assert took < 2 + 3, took
        assert git_processes_naming(f":{server.port}/") == []
