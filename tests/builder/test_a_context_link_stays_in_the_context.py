"""A link in the build context must stay inside the context directory, not merely inside the clone.

Pins: a context link whose target climbs out of the context directory (while still inside the clone on the
builder's side) is refused at step build before the engine gets the context; the engine never reads a host file
through it.

Why: the engine resolves a context's links inside its own copy of the context, not inside the clone: podman unpacks
it to `/var/tmp/libpod_builder<random>/build`, so a context link that climbs from the context's top (through a
second link, past podman's own check of what a link's text says), which the builder read as the clone's root (inside,
accepted), is the engine host's `/` there. A `RUN --mount=type=bind,source=x` (no `from=`, no `..`, no `$`:
dockerfile_mounts.py lets it through) then binds the host's root into the build: podman before 5.2.4 does not
resolve a bind mount's source within the context (CVE-2024-1753; this machine runs 4.3.1, as root). The check was
made against the clone's root (services/builder/context.py, `_check_link`).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import pytest

from services.builder.context import ContextError, make_context
from services.shared.appspec import AppSpec
from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS
from tests.builder.conftest import CountingEngine, request
from tests.fixtures_repo import make_repo
from tests.infra import PINNED_BASE_IMAGE, EventTap

DEPTH = 16  # deeper than the engine's own context directory sits below `/`
CONTEXT = "/".join(["c"] * DEPTH)
# Two links, so that a check of the link's text alone (podman's unpacking compares `dir(link) + target`, cleaned,
# with its directory) passes too: `d/.../d/u` leads back to the context's top, and `host` climbs DEPTH levels from
# there, which written out reads as the context's top itself.
DEEP = "/".join(["d"] * (DEPTH - 1))
LINKS = {f"{DEEP}/u": "/".join([".."] * (DEPTH - 1)), "host": f"{DEEP}/u/" + "/".join([".."] * DEPTH)}


def link(context: Path) -> None:
    (context / DEEP).mkdir(parents=True, exist_ok=True)
    for name, target in LINKS.items():
        os.symlink(target, context / name)


def test_a_context_link_leaving_the_context_is_refused_even_when_it_stays_in_the_clone(tmp_path: Path) -> None:
    context = tmp_path / CONTEXT
    context.mkdir(parents=True)
    (context / "Dockerfile").write_text("FROM scratch\n")
    link(context)
    assert os.path.realpath(context / "host") == str(tmp_path.resolve())  # inside the clone, as the builder sees it

    # Before: accepted; the archive held `host -> ../../..` for the engine to resolve in its own directories.
    with pytest.raises(ContextError, match="'host' in the build context is a link that leads outside"):
        make_context(tmp_path, AppSpec(context=CONTEXT, dockerfile=f"{CONTEXT}/Dockerfile"),
                     b"FROM scratch\n", max_bytes=10**6)


async def test_the_engine_never_binds_a_host_path_through_a_context_link(
        builder, tap: EventTap, engine: CountingEngine, tmp_path: Path, app_name: str) -> None:
    canary_dir = tmp_path / "host"
    canary_dir.mkdir()
    token = secrets.token_hex(8)
    (canary_dir / "canary.txt").write_text(f"{token}\n")  # on the engine's host: this machine
    # The RUN prints what it read, then fails, so that the log tail the release records shows it.
    dockerfile = (f"FROM {PINNED_BASE_IMAGE}\n"
                  f"RUN --mount=type=bind,source=host,target=/h cat /h{canary_dir}/canary.txt; exit 1\n")
    repo, _ = make_repo(tmp_path / "repo", {
        "greenlight.yaml": f"context: {CONTEXT}\n", "Dockerfile": dockerfile, f"{CONTEXT}/app.txt": "hello\n"})
    link(repo.path / CONTEXT)
    sha = repo.commit({}, "a link to the clone's root, as the builder reads it")

    async with builder() as app:
        await app[BUS].publish(request(repo.url, sha, app_name))
        failed = await tap.wait("r1", S.BUILT, S.FAILED)

    assert failed.state == S.FAILED and failed.release.error is not None
    # Before: the engine got the context; the build log's tail held the token read from the host's file.
    assert token not in str(failed.release.error.log_tail), "the build read a file of the engine's host"
    assert failed.release.error.step == "build"
    assert "'host' in the build context is a link that leads outside" in failed.release.error.reason
    assert token not in str(failed.details) and engine.builds == []
