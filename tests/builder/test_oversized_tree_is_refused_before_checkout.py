"""A tree larger than `max_repo_bytes` is refused before checkout writes any of it.

Pins: after the fetch, the builder sums the sizes of the commit's files (git reads them from the objects' headers,
nothing is inflated) and of their index entries, and fails the release at step source when they would not fit;
`git checkout` never runs.

Why: the repository is hostile code, and a pack of a few MB holds GBs of zeros (here 32 MiB in 33 kB). The limit
was a watcher that measures the work dir every 0.5 s and a look after checkout: checkout wrote the whole file
first (32 MiB under a 1 MiB limit; at disk speed, GBs before the watcher looks), on the disk every build shares.
Empty files cost only their index entries and inodes: 200,000 of them (a 0.5 MB pack) were all written, with a
15 MB index, before the look after checkout refused them.
"""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from services.builder.settings import BuilderSettings
from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS
from tests.builder.conftest import CountingEngine, leftover_workdirs, request
from tests.fixtures_repo import app_files, make_repo
from tests.infra import EventTap

LIMIT = 1024 * 1024


def measuring_git(tmp_path: Path) -> tuple[Path, Path]:
    """A `git` that runs the real one, then records the command and the bytes of its work dir (its cwd)."""
    log = tmp_path / "sizes.log"
    script = tmp_path / "measuring-git"
    script.write_text(f'#!/bin/sh\ngit "$@"\nrc=$?\necho "$(du -sb . | cut -f1) $*" >> {log}\nexit $rc\n')
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script, log


@pytest.mark.parametrize("files", [
    {"zeros.bin": bytes(32 * LIMIT)},  # before: 33.6 MB after checkout
    {f"empty/{n}": "" for n in range(20_000)},  # nothing but the index's entries: before, 1.5 MB of index
], ids=["zeros", "empty-files"])
async def test_a_tree_over_the_limit_is_never_written(
        builder, builder_settings: BuilderSettings, tap: EventTap, engine: CountingEngine, tmp_path: Path,
        app_name: str, work_root: Path, files: dict[str, str | bytes]) -> None:
    repo, sha = make_repo(tmp_path / "repo", {**app_files(), **files})
    git, log = measuring_git(tmp_path)
    settings = builder_settings.model_copy(update={"max_repo_bytes": LIMIT, "git_binary": str(git)})
    async with builder(settings) as app:
        await app[BUS].publish(request(repo.url, sha, app_name))
        failed = await tap.wait("r1", S.BUILT, S.FAILED)

    assert failed.state == S.FAILED and failed.release.error is not None
    assert failed.release.error.step == "source"
    assert failed.release.error.reason == f"repository is larger than the {LIMIT} byte limit"
    runs = [line.split(" ", 1) for line in log.read_text().splitlines()]
    assert not [command for _, command in runs if " checkout " in command]  # before: checkout ran
    assert max(int(size) for size, _ in runs) < LIMIT
    assert engine.builds == [] and leftover_workdirs(work_root) == []


async def test_a_tree_that_fits_is_checked_out(
        builder, builder_settings: BuilderSettings, tap: EventTap, tmp_path: Path, app_name: str) -> None:
    repo, sha = make_repo(tmp_path / "repo", {**app_files(), "zeros.bin": bytes(LIMIT // 4)})
    settings = builder_settings.model_copy(update={"max_repo_bytes": LIMIT})
    async with builder(settings) as app:
        await app[BUS].publish(request(repo.url, sha, app_name))
        built = await tap.wait("r1", S.BUILT, S.FAILED)

    assert built.state == S.BUILT, built.release.error
