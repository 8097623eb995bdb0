"""The build context: a tar of the app's context directory, bounded in size, as the engine API wants it."""

from __future__ import annotations

import tarfile
import tempfile
from pathlib import Path, PurePosixPath
from typing import IO

from docker.utils.build import exclude_paths

from services.shared.appspec import AppSpec

# Used when the Dockerfile lives outside the context dir; `docker build -f` does the same.
OUTSIDE_DOCKERFILE = ".greenlight.Dockerfile"


class ContextError(Exception):
    """The context cannot be made (missing, too large); the message is the failure reason."""


def make_context(checkout: Path, spec: AppSpec, max_bytes: int) -> tuple[IO[bytes], str]:
    """(open archive positioned at 0, Dockerfile path inside it). Blocking: run in a thread."""
    context_dir = checkout / spec.context
    dockerfile = checkout / spec.dockerfile
    if not context_dir.is_dir() or _escapes(checkout, context_dir):
        raise ContextError(f"build context {spec.context!r} is not a directory in the repository")
    if not dockerfile.is_file() or _escapes(checkout, dockerfile):
        raise ContextError(f"Dockerfile {spec.dockerfile!r} not found in the repository")
    budget = [max_bytes]

    def count(info: tarfile.TarInfo) -> tarfile.TarInfo | None:
        # The clone's own .git is our artefact, not the app's; leaving it out keeps contexts small.
        if info.name == ".git" or info.name.startswith(".git/"):
            return None
        budget[0] -= info.size
        if budget[0] < 0:
            raise ContextError(f"build context is larger than the {max_bytes} byte limit")
        info.uid = info.gid = 0
        info.uname = info.gname = "root"
        return info

    try:
        name = str(PurePosixPath(spec.dockerfile).relative_to(PurePosixPath(spec.context)))
    except ValueError:
        name = OUTSIDE_DOCKERFILE
    archive = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
    try:
        with tarfile.open(fileobj=archive, mode="w") as tar:
            for path in sent_paths(context_dir, name):
                tar.add(context_dir / path, arcname=path, recursive=False, filter=count)
            if name == OUTSIDE_DOCKERFILE:
                tar.add(dockerfile, arcname=name, filter=count)
    except BaseException:
        archive.close()
        raise
    archive.seek(0)
    return archive, name  # type: ignore[return-value]


def sent_paths(context_dir: Path, dockerfile: str) -> list[str]:
    """The context's paths a `docker build` would send: the repository's `.dockerignore` applied with
    Docker's own matcher (the docker SDK's port of moby's, `!` exceptions and `**` included) rather than
    a look-alike of ours. The Dockerfile is always sent, as Docker does."""
    ignore = context_dir / ".dockerignore"
    patterns: list[str] = []
    if ignore.is_file() and not ignore.is_symlink():
        lines = (line.strip() for line in ignore.read_text(errors="replace").splitlines())
        patterns = [line for line in lines if line and not line.startswith("#")]
    patterns.append(".git")  # after the repository's own: a `!.git` there cannot bring it back
    return sorted(exclude_paths(str(context_dir), patterns, dockerfile=dockerfile))


def _escapes(root: Path, path: Path) -> bool:
    """A symlinked context or Dockerfile must not lead the build outside the checkout."""
    try:
        path.resolve().relative_to(root.resolve())
    except ValueError:
        return True
    return False
