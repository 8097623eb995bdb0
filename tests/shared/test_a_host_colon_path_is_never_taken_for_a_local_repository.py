"""git reads `host:path` (a colon before any slash, no `user@` needed) as an ssh remote, but with
GREENLIGHT_ALLOW_LOCAL_REPOS=true Greenlight took anything without `://` for a local path: `evil.example:org/app`
passed the check without GREENLIGHT_REPOSITORY_ALLOW, and the API's `git ls-remote` ran ssh to that host,
unpinned (no address check). Now such a repository is refused, and never handed to git as a local one."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.shared.sources import UnsafeSource, check_repository, local_path, resolve_ref

SSH_READ = ["evil.example:org/app.git", ".evil://app", "10.0.0.1:app", "[10.0.0.1]:app", ".evil:app",
            "git@evil_host:app", "git@evil.example:org/app:x", "C:/app"]


@pytest.mark.parametrize("repository", SSH_READ)
def test_a_repository_git_reads_as_an_ssh_remote_is_no_local_path(repository: str) -> None:
    with pytest.raises(UnsafeSource, match="ssh"):
        check_repository(repository, allow_local=True)
    assert local_path(repository) is None


@pytest.mark.parametrize("repository", ["/srv/a:b", "./a:b", "repo", "../up/a:b", "file:///srv/a:b"])
def test_paths_git_reads_as_local_stay_local(repository: str) -> None:
    assert check_repository(repository, allow_local=True) == repository
    assert local_path(repository) is not None


async def test_resolving_a_ref_never_starts_ssh_for_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    called = tmp_path / "ssh-was-run"
    ssh = tmp_path / "ssh"
    ssh.write_text(f"#!/bin/sh\ntouch {called}\nexit 128\n")
    ssh.chmod(0o755)
    monkeypatch.setenv("GIT_SSH_COMMAND", str(ssh))
    with pytest.raises(UnsafeSource):
        await resolve_ref("127.0.0.1:org/app.git", "main", timeout=30)
    assert not called.exists(), "git ran ssh to a host no policy checked"
