"""A git error from resolving the commit is printed once, on one line."""

from __future__ import annotations

from pathlib import Path

from tests.cli.conftest import cli
from tests.cli.stub_api import StubApi


def test_an_unreadable_repository_is_one_line_said_once(stub: StubApi, tmp_path: Path) -> None:
    missing = tmp_path / "nothing-here"
    result = cli(stub, "release", "create", "--app", "demo", "--repo", f"file://{missing}", "--commit", "main")
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith("error: cannot read repository: fatal: ")
    assert result.stderr.count("does not appear to be a git repository") == 1
