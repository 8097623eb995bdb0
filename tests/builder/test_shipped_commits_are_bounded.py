"""What a release ships is recorded for at most `shipped_commits` commits (default 200, at most 1,000), each a sha
and a committer date git formats: a range of 1,100 commits records the newest 1,000 and stays a small part of the
event (about 70 kB, against the 1 MB a message may be)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from pydantic import ValidationError

from services.builder.settings import BuilderSettings
from services.builder.source import GitCli
from services.shared.events import MAX_BODY_BYTES
from tests.fixtures_repo import make_repo


def fast_imported(repo: Path, count: int) -> None:
    """`count` commits on main in one `git fast-import` (a commit each by the CLI takes minutes)."""
    stream = []
    for n in range(count):
        content = f"{n}\n"
        stream.append(f"commit refs/heads/main\ncommitter A <a@example.org> {1_700_000_000 + n} +0000\n"
                      f"data 7\nchange\n{'from refs/heads/main^0' if n == 0 else ''}\n"
                      f"M 100644 inline a.txt\ndata {len(content)}\n{content}\n")
    subprocess.run(["git", "fast-import", "--quiet"], cwd=repo, input="".join(stream).encode(), check=True)


def test_the_setting_defaults_to_200_and_stops_at_1000() -> None:
    assert BuilderSettings().shipped_commits == 200
    with pytest.raises(ValidationError):
        BuilderSettings(shipped_commits=1001)


async def test_a_long_range_records_the_newest_within_the_bound(tmp_path: Path) -> None:
    repo, live = make_repo(tmp_path / "repo", {"a.txt": "live"})
    fast_imported(repo.path, 1100)
    head = repo.git("rev-parse", "main")
    git = GitCli(binary="git", timeout=60, max_bytes=50_000_000, work_root=tmp_path)
    async with git.checkout(repo.url, head) as checkout:
        found = await git.shipped(checkout, repo.url, head, live, limit=1000, timeout=30)
    assert found is not None
    assert len(found.commits) == 1000 and found.commits[0][0] == head and not found.complete
    assert len(json.dumps(found.details())) < 0.1 * MAX_BODY_BYTES
