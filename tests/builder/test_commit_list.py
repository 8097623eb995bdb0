"""The builder records the commits a release brings (newest first, its own commit first) from the clone
it fetched; hostile subjects stay data; an unreadable log records nothing and fails nothing."""

from __future__ import annotations

from pathlib import Path

from services.builder.commits import recent_commits
from services.builder.source import GitCli
from tests.fixtures_repo import make_repo


async def test_the_clone_yields_the_commits_newest_first(tmp_path: Path) -> None:
    repo, first = make_repo(tmp_path / "repo", {"a.txt": "1"})
    second = repo.commit({"a.txt": "2"}, "Fix the sort labels")
    third = repo.commit({"a.txt": "3"}, "Show prices\x1b[31m in the local currency")
    git = GitCli(binary="git", timeout=30, max_bytes=10_000_000, work_root=tmp_path)
    async with git.checkout(repo.url, third) as checkout:
        commits = await git.commits(checkout)
    assert [c["sha"] for c in commits] == [third, second, first]
    assert commits[1]["subject"] == "Fix the sort labels"
    assert commits[0]["subject"] == "Show prices\x1b[31m in the local currency"  # stored as given, shown safely
    assert commits[0]["author"] == "Fixture <fixture@example.org>"
    assert commits[0]["time"].startswith("20")


async def test_the_list_is_capped(tmp_path: Path) -> None:
    repo, _ = make_repo(tmp_path / "repo", {"a.txt": "0"})
    for n in range(5):
        head = repo.commit({"a.txt": str(n)}, f"change {n}")
    git = GitCli(binary="git", timeout=30, max_bytes=10_000_000, work_root=tmp_path)
    async with git.checkout(repo.url, head) as checkout:
        assert len(await recent_commits(checkout, limit=3)) == 3


async def test_a_directory_without_history_records_nothing(tmp_path: Path) -> None:
    assert await recent_commits(tmp_path) == []


async def test_a_checkout_without_history_never_reads_an_enclosing_repository(tmp_path: Path) -> None:
    # A work root inside a git checkout (the operator's, e.g. under its .local/): git would walk up to it and
    # record that repository's commits as the release's.
    make_repo(tmp_path / "outer", {"a.txt": "1"})
    checkout = tmp_path / "outer" / "work" / "release"
    checkout.mkdir(parents=True)
    assert await recent_commits(checkout) == []
