"""The builder reads the commit's committer date from the checkout (DORA's lead time starts there)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from services.builder.source import commit_time
from tests.fixtures_repo import make_repo


async def test_commit_time_is_the_committer_date_and_none_outside_a_repository(tmp_path: Path) -> None:
    repo, _ = make_repo(tmp_path / "repo", {"a.txt": "a"})
    found = await commit_time(repo.path)
    assert found is not None
    assert datetime.fromisoformat(found) == datetime.fromisoformat(repo.git("log", "-1", "--format=%cI"))
    (tmp_path / "plain").mkdir()
    assert await commit_time(tmp_path / "plain") is None
