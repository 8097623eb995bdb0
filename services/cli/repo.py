"""`--repo .`: the git repository around the current directory, as the absolute path the API needs."""

from __future__ import annotations

import subprocess
from pathlib import Path


class NotARepository(ValueError):
    """The path given is not inside a git work tree."""


def local_repository(repo: str) -> str:
    """`.` (or any relative path) becomes the top of its git work tree; anything else is left alone."""
    if not repo.startswith("."):
        return repo
    try:
        top = subprocess.run(["git", "-C", repo, "rev-parse", "--show-toplevel"], capture_output=True,
                             text=True, check=True, timeout=15).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        raise NotARepository(f"{repo} is not inside a git repository") from None
    return str(Path(top).resolve())
