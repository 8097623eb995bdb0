"""A Dockerfile's `RUN --mount` cannot reach the engine's host.

Pins: a RUN `--mount` naming another stage or image (`from=`), climbing with `..` in a path or an `id`, or holding a
variable fails the release at step build before the engine sees it; ordinary cache, bind, secret and tmpfs mounts
still build.

Why: the repository is hostile code and its Dockerfile runs on the operator's engine. The engine resolves a mount on
its own host, and podman before 5.2.4 (this machine runs 4.3.1, as root) did so unchecked: a cache mount's `id`
joined to its cache directory (`id=a/../../../etc`: the host's /etc, writable; CVE-2024-9675), a symlink in a
`from=` stage followed on the host (`ln -s / /r` then `from=stage,source=/r`: the host's /; CVE-2024-1753). Both
read a file the test left on the host, before.
"""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest

from services.builder.dockerfile_mounts import MountRefused, check_mounts
from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS
from tests.builder.conftest import CountingEngine, request
from tests.fixtures_repo import app_files, make_repo
from tests.infra import PINNED_BASE_IMAGE, EventTap

BASE = f"FROM {PINNED_BASE_IMAGE}\n"
CLIMB = "a/" + "../" * 12


@pytest.mark.parametrize("run", [
    f"RUN --mount=type=cache,target=/x,id={CLIMB}etc cat /x/hostname",
    f"run --mount=type=cache,dst=/x,ID={CLIMB}etc,ro cat /x/hostname",
    "RUN --mount=type=cache,target=/x,id=a/.\\\n./../../etc cat /x/hostname",  # a continuation mid-word
    f"RUN --mount=type=cache,target=/x,\\\n\n    id={CLIMB}etc cat /x/hostname",  # a blank line, an indent
    f'RUN --mount="type=cache,target=/x,id={CLIMB}etc" cat /x/hostname',
    "ARG P=a/../../../../etc\nRUN --mount=type=cache,target=/x,id=$P cat /x/hostname",
    "RUN --mount=type=bind,from=base,source=/r,target=/x cat /x/etc/hostname",
    "RUN --network=default --mount=type=cache,from=base,target=/x true",
    f"ONBUILD RUN --mount=type=cache,target=/x,id={CLIMB}etc true",
    "RUN --mount=type=cache,target=/root/.cache/pip pip install -r requirements.txt",  # its path: the target's
    "RUN --mount=type=cache,id=c/host,target=/h true",  # a link a build left in cache c
    "RUN --mount=type=cache,id=.,target=/h true",  # the cache root itself
], ids=["cache-id", "lower-case", "continued", "blank-and-indent", "quoted", "variable", "bind-from", "second-flag",
        "onbuild", "cache-path-of-a-target", "cache-path-of-an-id", "cache-root"])
def test_a_mount_that_could_leave_the_build_is_refused(run: str) -> None:
    with pytest.raises(MountRefused, match="is refused"):
        check_mounts((BASE + run + "\n").encode())


@pytest.mark.parametrize("run", [
    "RUN --mount=type=cache,id=pip,target=/root/.cache/pip pip install -r requirements.txt",
    "RUN --mount=type=cache,id=pip-cache,target=/root/.cache,sharing=locked true",
    "RUN --mount=type=bind,source=.,target=/src make -C /src",
    "RUN --mount=type=secret,id=token,required=false true",
    "RUN --mount=type=tmpfs,target=/tmp \\\n    echo $HOME --mount=from=x",  # in the command, not a flag
    "RUN echo a/../b && ls ..",
], ids=["cache", "cache-id", "bind", "secret", "command-text", "plain"])
def test_ordinary_mounts_and_commands_pass(run: str) -> None:
    check_mounts((BASE + run + "\n").encode())


@pytest.mark.parametrize("dockerfile", [
    BASE + "RUN --mount=type=cache,target=/x,id=a/{climb}{canary_dir},ro cat /x/canary.txt\n",
    BASE.replace("\n", " AS base\n") + "RUN ln -s {canary_dir} /r\n" + BASE
    + "RUN --mount=type=bind,from=base,source=/r,target=/x cat /x/canary.txt\n",
], ids=["cache-id-climbs", "bind-from-a-stage-symlink"])
async def test_the_engine_never_gets_a_mount_of_a_host_path(
        builder, tap: EventTap, engine: CountingEngine, tmp_path: Path, app_name: str, dockerfile: str) -> None:
    canary_dir = tmp_path / "host"
    canary_dir.mkdir()
    token = secrets.token_hex(8)
    (canary_dir / "canary.txt").write_text(f"{token}\n")  # on the engine's host: this machine
    text = dockerfile.format(climb="../" * 12, canary_dir=str(canary_dir).lstrip("/"))
    text = text.replace(f"ln -s {str(canary_dir).lstrip('/')}", f"ln -s {canary_dir}")
    repo, sha = make_repo(tmp_path / "repo", app_files(text))
    async with builder() as app:
        await app[BUS].publish(request(repo.url, sha, app_name))
        failed = await tap.wait("r1", S.BUILT, S.FAILED)

    # Before: `built`, the build log holding the token read from the host.
    assert failed.state == S.FAILED and failed.release.error is not None, "the build read a file of the host"
    assert failed.release.error.step == "build"
    assert failed.release.error.reason.startswith("RUN --mount=type=")
    assert "is refused: a mount may not name another stage or image (from=)" in failed.release.error.reason
    assert token not in str(failed.details) and engine.builds == []
