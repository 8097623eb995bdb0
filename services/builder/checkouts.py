"""A release's checkout: what the builder's handlers need of one, and the work directories checkouts are made in.

The adapter, the repository at its commit with the git CLI, is source.py's GitCli.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import time
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any, Protocol

WORKDIR_PREFIX = "greenlight-build-"


class SourceError(Exception):
    """The repository or commit could not be had; the message is the release's failure reason."""


class SourceFetcher(Protocol):
    def checkout(self, repository: str, commit: str) -> AbstractAsyncContextManager[Path]:
        """The work tree at `commit`, removed when the context exits. Inputs are already checked."""

    async def commits(self, checkout: Path) -> list[dict[str, Any]]:
        """The commits the checkout brings, newest first (commits.py); empty when unreadable, never an error."""

    async def commit_time(self, checkout: Path) -> int | None:
        """The checked-out commit's committer time (for SOURCE_DATE_EPOCH); None when there is no history."""


def directory_size(root: Path) -> int:
    total = 0
    for dirpath, _, files in os.walk(root):
        for name in files:
            with contextlib.suppress(OSError):
                total += os.lstat(os.path.join(dirpath, name)).st_size
    return total


def purge_stale_workdirs(work_root: Path | None, older_than: float) -> int:
    """Work dirs a killed builder left behind (a SIGKILL skips every `finally`)."""
    root = work_root or Path(tempfile.gettempdir())
    cutoff = time.time() - older_than
    removed = 0
    for entry in root.glob(f"{WORKDIR_PREFIX}*"):
        with contextlib.suppress(OSError):
            if entry.is_dir() and entry.stat().st_mtime < cutoff:
                shutil.rmtree(entry, ignore_errors=True)
                removed += 1
    return removed
