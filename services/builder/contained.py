"""Reading files of an untrusted checkout without ever opening anything outside it.

A repository may commit symlinks. Every path the builder (or a tool it runs) reads is resolved here
first, refused when it leads outside the clone, and then opened without following a final link, so
neither the file's content nor whether a path exists on the builder's host can leak through an error.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path


class OutsideRepository(Exception):
    """The path is a link (or has one on the way) that leads outside the clone; the message says which."""


def resolve_inside(root: Path, relative: str) -> Path:
    """The real path of `relative` under `root`; refused when any link on the way leaves `root`.

    Whether the target exists does not matter: a link to a missing path outside is refused with the
    same words as one to an existing file, so the answer reveals nothing about the builder's host."""
    base = root.resolve()
    target = Path(os.path.realpath(base / relative))
    if not target.is_relative_to(base):
        raise OutsideRepository(f"{relative!r} is a link that leads outside the repository")
    return target


def read_inside(root: Path, relative: str, max_bytes: int) -> bytes | None:
    """The bytes of a regular file inside the clone, None when it does not exist there.

    Raises OutsideRepository for a link out, ValueError for a non-file or a file over `max_bytes`."""
    target = resolve_inside(root, relative)
    try:
        # NOFOLLOW: the path is already resolved, so a final link here could only be a swap after the check.
        # NONBLOCK: a committed FIFO must not hang the builder.
        fd = os.open(target, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except (FileNotFoundError, NotADirectoryError):
        return None
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise ValueError(f"{relative!r} is not a regular file")
        data = handle.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ValueError(f"{relative!r} is larger than {max_bytes} bytes")
    return data


def directory_inside(root: Path, relative: str) -> Path | None:
    """The real path of a directory inside the clone, None when there is none there."""
    target = resolve_inside(root, relative)
    return target if target.is_dir() else None
