"""A checkout whose log git cannot read records no `shipped` range (None), rather than an empty one: an empty
range says the release shipped nothing, and its own commit would lose its lead time. Nothing is raised: the
build stands, and the lead time counts the release's commit from `commits`, as before ranges were recorded."""

from __future__ import annotations

import stat
from pathlib import Path

from services.builder.source import GitCli
from tests.fixtures_repo import make_repo


async def test_an_unreadable_log_records_no_range(tmp_path: Path) -> None:
    repo, live = make_repo(tmp_path / "repo", {"a.txt": "0"})
    head = repo.commit({"a.txt": "1"}, "change")
    broken = tmp_path / "git-without-log"
    broken.write_text('#!/bin/sh\nfor a in "$@"; do [ "$a" = log ] && exit 1; done\nexec git "$@"\n')
    broken.chmod(broken.stat().st_mode | stat.S_IXUSR)
    git = GitCli(binary=str(broken), timeout=30, max_bytes=10_000_000, work_root=tmp_path)
    async with git.checkout(repo.url, head) as checkout:
        assert await git.shipped(checkout, repo.url, head, live, limit=200, timeout=20) is None
        assert await git.shipped(checkout, repo.url, head, None, limit=200, timeout=20) is None
