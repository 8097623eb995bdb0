"""Unsafe repositories and refs are refused before any git command runs."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from services.shared.sources import UnsafeSource, check_ref, check_repository, resolve_ref


@pytest.mark.parametrize(
    "repository",
    ["--upload-pack=touch /tmp/pwned", "-oProxyCommand=x", "ext::sh -c touch% /tmp/pwned",
     "fd::17", "https://h/x.git; rm -rf /", "https://h/$(id).git", "https://h/a b.git", "", "x" * 501],
)
def test_dangerous_repositories_are_refused(repository: str) -> None:
    with pytest.raises(UnsafeSource):
        check_repository(repository, allow_local=True)


@pytest.mark.parametrize("repository", ["/srv/repo", "./repo", "file:///srv/repo", "../up"])
def test_local_paths_need_the_setting(repository: str) -> None:
    with pytest.raises(UnsafeSource, match="local repositories are disabled"):
        check_repository(repository, allow_local=False)
    assert check_repository(repository, allow_local=True) == repository


@pytest.mark.parametrize("repository", ["https://github.com/o/r.git", "ssh://git@h/o/r", "git@github.com:o/r.git"])
def test_ordinary_remotes_pass(repository: str) -> None:
    assert check_repository(repository, allow_local=False) == repository


@pytest.mark.parametrize("ref", ["-x", "--upload-pack=x", "a..b", "a b", "x~1", "x^", "a:b", "", "@{u}"])
def test_bad_refs_are_refused(ref: str) -> None:
    with pytest.raises(UnsafeSource):
        check_ref(ref)


async def test_refs_resolve_to_full_shas(tmp_path: Path) -> None:
    def git(*args: str) -> str:
        return subprocess.run(["git", "-C", str(tmp_path), *args], check=True, capture_output=True,
                              text=True).stdout.strip()

    git("init", "-q", "-b", "main")
    (tmp_path / "f").write_text("1")
    git("add", "f")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "one")
    git("tag", "-a", "v1", "-m", "v1")
    head = git("rev-parse", "HEAD")
    assert await resolve_ref(str(tmp_path), "main", allow_local=True) == head
    assert await resolve_ref(str(tmp_path), "HEAD", allow_local=True) == head
    assert await resolve_ref(str(tmp_path), "v1", allow_local=True) == head  # the peeled tag, not the tag object
    assert await resolve_ref(str(tmp_path), head, allow_local=True) == head
    with pytest.raises(UnsafeSource, match="not a branch"):
        await resolve_ref(str(tmp_path), "nope", allow_local=True)
