"""A cache mount cannot reach the engine's host through a link an earlier step left in the cache.

Pins: a Dockerfile that plants a symlink in a cache directory, then mounts that link as a cache of its own (an `id`,
or a `target` when there is no `id`, naming a path inside the first cache), never reads a file of the engine's host.

Why: podman before 5.2.4 joins a cache mount's `id` (else its `target`) to its cache directory and bind-mounts what it
names, following any link on the way (CVE-2024-9675). dockerfile_mounts.py refuses only `..`, `$` and `from=`, but a
cache directory is the build's to write: `ln -s / /c/host` in a step that mounts cache `x` at /c, then
`--mount=type=cache,id=x/host` is the host's `/`, writable (this machine runs podman 4.3.1, as root).
"""

from __future__ import annotations

import glob
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS
from tests.builder.conftest import CountingEngine, request
from tests.fixtures_repo import app_files, make_repo
from tests.infra import PINNED_BASE_IMAGE, EventTap

BASE = f"FROM {PINNED_BASE_IMAGE}\n"
CASES = {
    "id": ("RUN --mount=type=cache,id={cache},target=/c ln -sfn / /c/host\n"
           "RUN --mount=type=cache,id={cache}/host,target=/h cat /h{canary}; exit 1\n"),
    "target": ("RUN --mount=type=cache,target=/{cache} ln -sfn / /{cache}/host\n"
               "RUN --mount=type=cache,target=/{cache}/host cat /{cache}/host{canary}; exit 1\n"),
}


@pytest.fixture
def cache_name() -> Iterator[str]:
    name = f"planted-{secrets.token_hex(6)}"
    yield name
    # The planted link goes with its cache directory (rmtree removes a link, never what it leads to).
    for leftover in glob.glob(f"/var/tmp/buildah-cache*/{name}") + glob.glob(f"/tmp/buildah-cache*/{name}"):
        shutil.rmtree(leftover, ignore_errors=True)


@pytest.mark.parametrize("case", sorted(CASES))
async def test_a_cache_mount_never_follows_a_link_planted_in_a_cache(
        builder, tap: EventTap, engine: CountingEngine, tmp_path: Path, app_name: str, cache_name: str,
        case: str) -> None:
    canary_dir = tmp_path / "host"
    canary_dir.mkdir()
    token = secrets.token_hex(8)
    (canary_dir / "canary.txt").write_text(f"{token}\n")  # on the engine's host: this machine
    text = BASE + CASES[case].format(cache=cache_name, canary=canary_dir / "canary.txt")
    repo, sha = make_repo(tmp_path / "repo", app_files(text))
    async with builder() as app:
        await app[BUS].publish(request(repo.url, sha, app_name))
        failed = await tap.wait("r1", S.BUILT, S.FAILED)

    assert failed.state == S.FAILED and failed.release.error is not None
    assert failed.release.error.step == "build", failed.release.error.reason  # refused, or the RUN's `exit 1`
    # Before: the second RUN printed the token it read from the host through the planted link.
    assert token not in str(failed.release.error.log_tail), "the build read a file of the engine's host"
    assert token not in str(failed.details)
