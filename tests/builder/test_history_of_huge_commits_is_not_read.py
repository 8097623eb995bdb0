"""A history whose commits are huge once inflated (a few hundred kB each in the pack, hundreds of MB in memory) is not
read: the release's own commit is recorded, saying why, and the build stands.

`git merge-base` and `git log --topo-order` hold every commit they walk in memory, whole: five commits of 300 MB of
message (a 1.5 MB pack, far under the checkout limit) took each past 1.4 GB, and the 200 a release may ship would
take it past any builder's memory; `git log --topo-order --max-count=1`, which recorded the head alone, walked them
all too. Before, under a 300 MB limit of git's, git failed and the release recorded no range at all; without one,
the host ran out of memory. The commits' sizes are now read from the objects' headers before any is parsed, and the
head alone is read without a walk."""

from __future__ import annotations

import stat
import subprocess
from pathlib import Path

from services.builder.source import GitCli
from services.shared.repo_policy import RepositorySettings
from tests.builder.stalling_git_server import StallingGitServer, serve_bare
from tests.fixtures_repo import make_repo

MESSAGE = 100 * 1024 * 1024


def huge_commits(repo_path: Path, parent: str, count: int, scratch: Path) -> str:
    """`count` commits on `parent`, each with a message of MESSAGE bytes; returns the last."""
    tree = subprocess.run(["git", "rev-parse", f"{parent}^{{tree}}"], cwd=repo_path, check=True,
                          capture_output=True, text=True).stdout.strip()
    raw = scratch / "raw-commit"
    for n in range(count):
        header = (f"tree {tree}\nparent {parent}\nauthor A <a@example.org> 1700000000 +0000\n"
                  f"committer A <a@example.org> {1700000001 + n} +0000\n\n")
        with raw.open("wb") as out:
            out.write(header.encode())
            out.write(b"abcdef"[n:n + 1] * MESSAGE)  # unlike each other: no delta between them to resolve
            out.write(f"\n{n}\n".encode())
        parent = subprocess.run(["git", "hash-object", "-t", "commit", "-w", str(raw)], cwd=repo_path, check=True,
                                capture_output=True, text=True).stdout.strip()
    raw.unlink()
    return parent


async def test_a_history_of_huge_commits_records_the_head_only(tmp_path: Path) -> None:
    repo, _ = make_repo(tmp_path / "src", {"a.txt": "0"})
    live = repo.commit({"a.txt": "live"}, "live")
    repo.git("update-ref", "refs/heads/main", huge_commits(repo.path, live, 4, tmp_path))
    head = repo.commit({"a.txt": "1"}, "small again")
    serve_bare(repo.path, tmp_path / "www", "r.git")
    with (tmp_path / "www" / "r.git" / "config").open("a") as config:
        config.write("[pack]\n\twindow = 0\n")  # served without deltas: quick
    limited = tmp_path / "git-within-300mb"  # 4 commits of 100 MB read at once do not fit; one at a time does
    limited.write_text('#!/bin/sh\nulimit -v 300000\nexec git -c pack.threads=1 "$@"\n')
    limited.chmod(limited.stat().st_mode | stat.S_IXUSR)
    with StallingGitServer(tmp_path / "www", stall_on=b"\0never") as server:
        git = GitCli(binary=str(limited), timeout=60, max_bytes=100_000_000, work_root=tmp_path,
                     repositories=RepositorySettings(allow=[server.url("*")]))
        async with git.checkout(server.url("r.git"), head) as checkout:
            found = await git.shipped(checkout, server.url("r.git"), head, live, limit=200, timeout=60)
    assert found is not None  # before: None, git out of memory reading the range
    assert [sha for sha, _ in found.commits] == [head] and not found.complete
    assert found.note == "its history could not be fetched"
