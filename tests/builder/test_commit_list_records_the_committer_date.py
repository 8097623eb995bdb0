"""The commit list records each commit's committer date beside its author date.

A rebased or cherry-picked commit keeps the date its author first wrote it (`time`, shown to the approver)
but was committed when it was rebased: the delivery metrics' lead time runs from that (`committed`).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from services.builder.commits import recent_commits
from tests.fixtures_repo import make_repo


async def test_a_rebased_commit_records_when_it_was_committed(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    repo, _ = make_repo(tmp_path / "repo", {"a.txt": "1"})
    repo.commit({"a.txt": "2"}, "old work")
    # What a rebase leaves: the author's date of long ago, committed now.
    monkeypatch.setenv("GIT_COMMITTER_DATE", "2026-01-05T10:00:00+02:00")
    repo.git("commit", "-q", "--amend", "--no-edit", "--date=2025-06-01T09:00:00+00:00")
    newest = (await recent_commits(repo.path))[0]
    assert newest["time"] == "2025-06-01T09:00:00+00:00"
    assert newest["committed"] == "2026-01-05T10:00:00+02:00"
