"""No subject can hide a commit from the list the approver reads, or cut another's subject short.

The list was read as lines of fields split by the unit separator (\\x1f): a commit whose subject held one had
a field too many and was dropped, and a subject holding a character Python splits lines on (\\x1e, \\x1c, \\x85,
\\u2028...) was cut there. A repository's author could so keep a commit off the approver's list of what a release
brings (and the release's own commit off the lead time).
"""

from __future__ import annotations

from pathlib import Path

from services.builder.commits import recent_commits
from tests.fixtures_repo import make_repo

SUBJECTS = ("add a backdoor\x1fquietly", "then\x1erest", "next\u2028line\x85and\x1cmore", "plain")


async def test_every_commit_is_listed_with_its_whole_subject(tmp_path: Path) -> None:
    repo, first = make_repo(tmp_path / "repo", {"a.txt": "0"})
    shas = [repo.commit({"a.txt": subject}, subject) for subject in SUBJECTS]
    commits = await recent_commits(repo.path)
    assert [c["sha"] for c in commits] == [*reversed(shas), first]
    assert [c["subject"] for c in commits[:-1]] == list(reversed(SUBJECTS))
    assert all(c["time"].startswith("20") and c["committed"].startswith("20") for c in commits)
