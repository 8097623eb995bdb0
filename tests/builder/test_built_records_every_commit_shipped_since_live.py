"""A release ships every commit reachable from its own and not from the one live when it was requested; the
builder records each (sha, committer date), its own first, so the lead time counts each change. Before, a
shallow fetch knew only the head: a release of 5 commits recorded 1 (`commits` held the head alone).

Real git: a plain path (objects borrowed), file:// (fetched shallow, then deepened commits only). A history
rewritten (force push) or a live commit further back than the limit records the head only, and says so; nothing
fails the build."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from services.builder.shipped import Shipped
from services.builder.source import GitCli
from tests.fixtures_repo import FixtureRepo, make_repo

SCHEMES = pytest.mark.parametrize("scheme", ["", "file://"], ids=["borrowed", "fetched"])


def git(tmp_path: Path, max_bytes: int = 50_000_000) -> GitCli:
    return GitCli(binary="git", timeout=30, max_bytes=max_bytes, work_root=tmp_path)


async def shipped(tmp_path: Path, url: str, head: str, since: str | None, limit: int = 200,
                  max_bytes: int = 50_000_000) -> Shipped:
    cli = git(tmp_path, max_bytes)
    async with cli.checkout(url, head) as checkout:
        found = await cli.shipped(checkout, url, head, since, limit=limit, timeout=20)
    assert found is not None
    return found


def history(tmp_path: Path, after_live: int) -> tuple[FixtureRepo, str, list[str]]:
    repo, _ = make_repo(tmp_path / "repo", {"a.txt": "0"})
    repo.git("config", "uploadpack.allowFilter", "true")
    live = repo.commit({"a.txt": "live"}, "live")
    new = [repo.commit({"a.txt": str(n)}, f"change {n}") for n in range(after_live)]
    return repo, live, new[::-1]


@SCHEMES
async def test_every_commit_since_the_live_one_is_recorded_its_own_first(tmp_path: Path, scheme: str) -> None:
    repo, live, new = history(tmp_path, 5)
    found = await shipped(tmp_path, scheme + repo.url, new[0], live)
    assert [sha for sha, _ in found.commits] == new
    assert (found.since, found.complete, found.note) == (live, True, None)
    assert all(at.startswith("20") for _, at in found.commits)


@SCHEMES
async def test_a_history_rewritten_records_the_head_only_and_says_so(tmp_path: Path, scheme: str) -> None:
    repo, live, _ = history(tmp_path, 2)
    repo.git("reset", "-q", "--hard", f"{live}~1")  # force pushed: the live commit is no ancestor any more
    head = repo.commit({"a.txt": "rewritten"}, "rewritten")
    found = await shipped(tmp_path, scheme + repo.url, head, live)
    assert [sha for sha, _ in found.commits] == [head]
    assert not found.complete and "history rewritten" in (found.note or "")


async def test_past_the_limit_the_newest_are_recorded(tmp_path: Path) -> None:
    repo, live, new = history(tmp_path, 6)  # a plain path: its whole history is at hand, the range is known
    found = await shipped(tmp_path, repo.url, new[0], live, limit=3)
    assert [sha for sha, _ in found.commits] == new[:3]
    assert not found.complete and found.note == "more than 3 commits: the newest 3"


async def test_a_live_commit_further_back_than_the_limit_records_the_head_only(tmp_path: Path) -> None:
    # Fetched 4 generations deep, the live commit not among them: as for a history rewritten, nothing tells which.
    repo, live, new = history(tmp_path, 10)
    found = await shipped(tmp_path, "file://" + repo.url, new[0], live, limit=3)
    assert [sha for sha, _ in found.commits] == [new[0]] and not found.complete


async def test_nothing_live_before_records_the_head_only(tmp_path: Path) -> None:
    repo, _, new = history(tmp_path, 3)
    found = await shipped(tmp_path, "file://" + repo.url, new[0], None)
    assert [sha for sha, _ in found.commits] == [new[0]] and found.note is not None


async def test_the_history_is_fetched_without_its_trees(tmp_path: Path) -> None:
    # Each earlier commit holds 1 MB of its own: a deepened clone with every tree and blob would pass the 3 MB limit.
    repo, live, _ = history(tmp_path, 0)
    for n in range(6):
        repo.commit({"big.bin": os.urandom(1_000_000)}, f"big {n}")  # incompressible
    head = repo.commit({"big.bin": None}, "small again")
    found = await shipped(tmp_path, "file://" + repo.url, head, live, max_bytes=3_000_000)
    assert len(found.commits) == 7 and found.complete


async def test_a_fetch_that_fails_records_the_head_only(tmp_path: Path) -> None:
    repo, live, new = history(tmp_path, 3)
    cli = git(tmp_path)
    async with cli.checkout("file://" + repo.url, new[0]) as checkout:
        shutil.rmtree(repo.path)  # the server is gone by the time the history is asked for
        found = await cli.shipped(checkout, "file://" + repo.url, new[0], live, limit=200, timeout=20)
    assert found is not None
    assert [sha for sha, _ in found.commits] == [new[0]]
    assert found.note == "its history could not be fetched"


async def test_a_live_commit_past_the_first_fetch_is_found_by_the_second(tmp_path: Path) -> None:
    repo, live, new = history(tmp_path, 30)  # the first fetch is 17 generations deep
    found = await shipped(tmp_path, "file://" + repo.url, new[0], live)
    assert [sha for sha, _ in found.commits] == new and found.complete
