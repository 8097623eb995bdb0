"""The build context: a tar of the app's context directory, bounded in size, as the engine API wants it.

The context is untrusted: the directory is resolved inside the clone before anything is read, a link in
it that leads outside the clone is refused (the engine would follow it on its own host), and the
Dockerfile goes in as the bytes that were linted, never as a path the engine resolves itself.
"""

from __future__ import annotations

import io
import os
import tarfile
import tempfile
from pathlib import Path
from typing import IO

from services.builder.contained import OutsideRepository, directory_inside
from services.builder.dockerfile_mounts import MountRefused, check_mounts
from services.builder.ignore import check_patterns, included_paths
from services.builder.ignore_glob import IgnoreFileError
from services.shared.appspec import AppSpec

# The linted Dockerfile's bytes always travel under this name, as a regular file.
DOCKERFILE_IN_CONTEXT = ".greenlight.Dockerfile"
# Room for the most the pattern limits allow (1,000 patterns of 1,024 characters) and as many comments again.
MAX_IGNORE_BYTES = 2 * 1024 * 1024


class ContextError(Exception):
    """The context cannot be made (missing, too large, a link out); the message is the failure reason."""


def make_context(checkout: Path, spec: AppSpec, dockerfile: bytes, max_bytes: int) -> tuple[IO[bytes], str]:
    """(open archive positioned at 0, Dockerfile path inside it). Blocking: run in a thread."""
    try:
        check_mounts(dockerfile)
    except MountRefused as exc:
        raise ContextError(str(exc)) from None
    root = checkout.resolve()
    try:
        context_dir = directory_inside(root, spec.context)
    except OutsideRepository:
        context_dir = None
    if context_dir is None:
        raise ContextError(f"build context {spec.context!r} is not a directory in the repository")
    too_large = f"build context is larger than the {max_bytes} byte limit"
    # What the archive is measured by is its own size: headers included (1.5 kB a member as tarfile writes
    # them), or many empty files pass any limit. Kept back: the Dockerfile's member and the archive's end.
    room = max_bytes - _stored(len(dockerfile)) - tarfile.RECORDSIZE

    def admit(info: tarfile.TarInfo) -> tarfile.TarInfo | None:
        # The clone's own .git is our artefact, not the app's; leaving it out keeps contexts small.
        if info.name == ".git" or info.name.startswith(".git/") or info.name == DOCKERFILE_IN_CONTEXT:
            return None
        if info.issym() or info.islnk():
            _check_link(root, context_dir, info)
        if archive.tell() + _stored(info.size) > room:
            raise ContextError(too_large)
        info.uid = info.gid = 0
        info.uname = info.gname = "root"
        return info

    archive = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
    try:
        with tarfile.open(fileobj=archive, mode="w") as tar:
            for path in sent_paths(context_dir, DOCKERFILE_IN_CONTEXT):
                tar.add(context_dir / path, arcname=path, recursive=False, filter=admit)
            info = tarfile.TarInfo(DOCKERFILE_IN_CONTEXT)
            info.size, info.mode = len(dockerfile), 0o644
            tar.addfile(info, io.BytesIO(dockerfile))
        if archive.tell() > max_bytes:  # a member's long-name headers were beyond the estimate
            raise ContextError(too_large)
    except BaseException:
        archive.close()
        raise
    archive.seek(0)
    return archive, DOCKERFILE_IN_CONTEXT  # type: ignore[return-value]


def sent_paths(context_dir: Path, dockerfile: str) -> list[str]:
    """The context's paths a `docker build` would send: the repository's `.dockerignore` applied with
    the docker SDK's semantics (its port of moby's, `!` exceptions and `**` included), by our linear-time
    matcher (services.builder.ignore_glob says why not the SDK's own). The Dockerfile is always sent, as
    Docker does. A `.dockerignore` too big to apply fails the build."""
    ignore = context_dir / ".dockerignore"
    patterns: list[str] = []
    if ignore.is_file() and not ignore.is_symlink():
        with ignore.open("rb") as handle:  # bounded: a tiny pack can hold a file of millions of lines
            raw = handle.read(MAX_IGNORE_BYTES + 1)
        if len(raw) > MAX_IGNORE_BYTES:
            raise ContextError(f".dockerignore is larger than {MAX_IGNORE_BYTES} bytes")
        lines = (line.strip() for line in raw.decode(errors="replace").splitlines())
        patterns = [line for line in lines if line and not line.startswith("#")]
    try:
        check_patterns(patterns)
        patterns.append(".git")  # after the repository's own: a `!.git` there cannot bring it back
        paths = included_paths(str(context_dir), patterns, dockerfile)
    except IgnoreFileError as exc:
        raise ContextError(str(exc)) from None
    return sorted(p for p in paths if p != dockerfile)


def _stored(size: int) -> int:
    """What a member of `size` bytes takes in the archive, at most: headers and content in whole blocks."""
    return 3 * tarfile.BLOCKSIZE + -(-size // tarfile.BLOCKSIZE) * tarfile.BLOCKSIZE


def _check_link(root: Path, context_dir: Path, info: tarfile.TarInfo) -> None:
    """A link is archived as a link; the engine resolves it against its own copy of the context, so it must stay
    inside the context: one that climbed from a deep context to the clone's root was, unpacked by the engine, its
    host's `/` (then a bind mount's source read the host's files)."""
    target = os.path.realpath(context_dir / info.name)
    if not Path(target).is_relative_to(os.path.realpath(context_dir)):
        raise ContextError(f"{info.name!r} in the build context is a link that leads outside the repository's "
                           "build context")
