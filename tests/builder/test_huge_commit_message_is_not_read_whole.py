"""A commit message of tens of megabytes (a few kB in the pack, well under the checkout limit) is not read into
the builder's memory to record a 300-character subject: `git log` printed every subject whole and the builder
read it all, decoded it and split it (several copies), for each of up to 50 commits."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

from services.builder.commits import recent_commits
from tests.fixtures_repo import make_repo

HUGE = 32 * 1024 * 1024


async def test_huge_commit_message_is_not_read_whole(tmp_path: Path) -> None:
    repo, first = make_repo(tmp_path / "repo", {"a.txt": "0"})
    message = tmp_path / "message"
    message.write_text("x" * HUGE + "\n")
    (repo.path / "a.txt").write_text("1")
    repo.git("add", "--all")
    repo.git("commit", "-q", "-F", str(message))
    huge = repo.git("rev-parse", "HEAD")
    # An author the same size (written as a raw commit object: no command line takes it): every field is bounded.
    tree = repo.git("rev-parse", "HEAD^{tree}")
    raw = tmp_path / "commit"
    raw.write_text(f"tree {tree}\nparent {huge}\nauthor {'y' * HUGE} <a@example.org> 1700000000 +0000\n"
                   "committer Fixture <fixture@example.org> 1700000000 +0000\n\nafter\n")
    after = repo.git("hash-object", "-t", "commit", "-w", str(raw))
    repo.git("update-ref", "HEAD", after)

    tracemalloc.start()
    try:
        commits = await recent_commits(repo.path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert [c["sha"] for c in commits] == [after, huge, first]
    assert commits[1]["subject"].startswith("xxx") and len(commits[1]["subject"]) <= 300
    assert commits[0]["author"].startswith("yyy") and len(commits[0]["author"]) <= 200
    assert commits[2]["author"] == "Fixture <fixture@example.org>" and commits[2]["subject"] == "initial"
    assert peak < 4 * 1024 * 1024, f"{peak / 2**20:.0f} MiB held to read the commit list"
