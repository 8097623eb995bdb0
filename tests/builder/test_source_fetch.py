"""Cloning: shallow by SHA, a full fetch when the server refuses that, local paths borrowed, bounded."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from services.builder.settings import BuilderSettings
from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS
from tests.builder.conftest import GitSpy, leftover_workdirs, request
from tests.fixtures_repo import app_files, make_repo
from tests.infra import EventTap


async def test_shallow_fetch_by_sha(builder, tap: EventTap, git_spy: GitSpy, tmp_path: Path,
                                    app_name: str) -> None:
    repo, first = make_repo(tmp_path / "repo", app_files())
    repo.commit({"app.txt": "second\n"})  # the release's commit is not the branch tip
    async with builder() as app:
        await app[BUS].publish(request(f"file://{repo.path}", first, app_name))
        built = await tap.wait("r1", S.BUILT, S.FAILED)

    assert built.state == S.BUILT, built.release.error
    fetches = [c for c in git_spy.calls() if " fetch " in f" {c} "]
    assert len(fetches) == 1 and "--depth 1" in fetches[0] and fetches[0].endswith(first)


async def test_plain_local_path_borrows_objects_without_fetching(builder, tap: EventTap, git_spy: GitSpy,
                                                               tmp_path: Path, app_name: str) -> None:
    repo, first = make_repo(tmp_path / "repo", app_files())
    repo.commit({"app.txt": "second\n"})
    async with builder() as app:
        await app[BUS].publish(request(repo.url, first, app_name))  # a plain path, as `git clone --shared`
        built = await tap.wait("r1", S.BUILT, S.FAILED)

    assert built.state == S.BUILT, built.release.error
    calls = git_spy.calls()
    assert not [c for c in calls if " fetch " in f" {c} "]
    assert any(c.endswith(f"checkout -q --detach {first}") for c in calls)


async def test_falls_back_to_full_fetch_when_sha_fetch_is_refused(
        builder, tap: EventTap, git_spy: GitSpy, tmp_path: Path, app_name: str,
        monkeypatch: pytest.MonkeyPatch) -> None:
    repo, first = make_repo(tmp_path / "repo", app_files())
    repo.commit({"app.txt": "second\n"})
    # Protocol v0 servers refuse "want <unadvertised sha>", as many older git servers do.
    monkeypatch.setenv("GIT_CONFIG_COUNT", "1")
    monkeypatch.setenv("GIT_CONFIG_KEY_0", "protocol.version")
    monkeypatch.setenv("GIT_CONFIG_VALUE_0", "0")
    async with builder() as app:
        await app[BUS].publish(request(f"file://{repo.path}", first, app_name))
        built = await tap.wait("r1", S.BUILT, S.FAILED)

    assert built.state == S.BUILT, built.release.error
    fetches = [c for c in git_spy.calls() if " fetch " in f" {c} "]
    assert len(fetches) == 2 and "--depth 1" in fetches[0] and "refs/heads/*" in fetches[1]


async def test_commit_not_in_repository_fails_clearly(builder, tap: EventTap, tmp_path: Path,
                                                      app_name: str, work_root: Path) -> None:
    repo, _ = make_repo(tmp_path / "repo", app_files())
    missing = "feedface" * 5
    async with builder() as app:
        await app[BUS].publish(request(repo.url, missing, app_name))
        failed = await tap.wait("r1", S.BUILT, S.FAILED)

    assert failed.release.error is not None and failed.release.error.step == "source"
    assert f"commit {missing} is not in {repo.url}" == failed.release.error.reason
    assert leftover_workdirs(work_root) == []


@pytest.mark.parametrize("scheme", ["", "file://"], ids=["borrowed", "fetched"])
async def test_repository_too_large_fails(builder, builder_settings: BuilderSettings, tap: EventTap,
                                          tmp_path: Path, app_name: str, work_root: Path, scheme: str) -> None:
    repo, sha = make_repo(tmp_path / "repo", app_files(**{"blob.bin": "x" * 300_000}))
    settings = builder_settings.model_copy(update={"max_repo_bytes": 100_000})
    async with builder(settings) as app:
        await app[BUS].publish(request(f"{scheme}{repo.path}", sha, app_name))
        failed = await tap.wait("r1", S.BUILT, S.FAILED)

    assert failed.release.error is not None
    assert failed.release.error.reason == "repository is larger than the 100000 byte limit"
    assert leftover_workdirs(work_root) == []


async def test_slow_fetch_times_out_and_is_killed(builder, builder_settings: BuilderSettings, tap: EventTap,
                                                  tmp_path: Path, app_name: str, work_root: Path) -> None:
    repo, sha = make_repo(tmp_path / "repo", app_files())
    slow = tmp_path / "slow-git"
    slow.write_text('#!/bin/sh\ncase "$*" in *fetch*) exec sleep 30;; esac\nexec git "$@"\n')
    slow.chmod(slow.stat().st_mode | stat.S_IXUSR)
    settings = builder_settings.model_copy(update={"git_binary": str(slow), "clone_timeout": 1.0})
    url = f"file://{repo.path}"
    async with builder(settings) as app:
        await app[BUS].publish(request(url, sha, app_name))
        failed = await tap.wait("r1", S.BUILT, S.FAILED, timeout=15)

    assert failed.release.error is not None
    # A stalled server is retried like one that refuses, until the retry budget (4 s in tests) is spent.
    assert failed.release.error.reason.endswith(f"last error: fetching {url} took longer than 1s")
    assert "git server unavailable for" in failed.release.error.reason
    assert leftover_workdirs(work_root) == []
