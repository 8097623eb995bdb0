"""How the builder runs git on a fetched repository (source.py): as a stranger's code.

Nothing the repository configures may run, a repository that outgrows the limit is stopped while git is still at
it, and git's own words, which may quote whatever a remote sent, go to the log, not to the release.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from pathlib import Path

import structlog

from services.builder.checkouts import SourceError, directory_size
from services.shared.git_target import classify
from services.shared.sources import GitUnavailable, git_env, git_unavailable

log = structlog.get_logger(__name__)
# Hooks and fsmonitor could run programs from configuration; nothing in a fetched repo may execute.
_SAFE_CONFIG = (
    "-c", "core.hooksPath=/dev/null", "-c", "core.fsmonitor=false", "-c", "advice.detachedHead=false",
)


class GitRunner:
    """GitCli's git (source.py): its `binary`, run in a work dir that may not grow past `max_bytes`."""

    binary: str
    max_bytes: int

    async def _git(self, workdir: Path, args: Sequence[str], *, check: bool = True,
                   output: bool = False, env: Mapping[str, str] | None = None) -> tuple[int, str]:
        """(exit code, stderr or stdout); the work dir's size is watched while git runs."""
        try:
            process = await asyncio.create_subprocess_exec(
                self.binary, *_SAFE_CONFIG, *args, cwd=workdir, env={**git_env(), **(env or {})},
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
            )
        except OSError as exc:
            # The builder's own set-up, not the repository's: say so now rather than after every redelivery.
            raise SourceError(f"git executable {self.binary!r} cannot be run: {exc.strerror}") from None
        watcher = asyncio.create_task(self._watch_size(workdir, process))
        try:
            out, err = await process.communicate()
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
            watcher.cancel()
            await asyncio.gather(watcher, return_exceptions=True)
        if watcher.done() and not watcher.cancelled() and (too_big := watcher.exception()) is not None:
            raise too_big
        text = (out if output else err).decode(errors="replace").strip()
        if check and process.returncode != 0:
            # git's own words may quote whatever the remote sent (a service banner on a scanned port):
            # the release, which every user can read, gets a classified reason; the log keeps the detail.
            command = next(a for a in args if not a.startswith("-") and "=" not in a)
            log.info("git failed", command=command, detail=text[-300:])
            if git_unavailable(text):
                raise GitUnavailable(f"git {command}: server unavailable: {classify(text)}")
            raise SourceError(f"git {command} failed: {classify(text)}")
        return process.returncode or 0, text

    async def _watch_size(self, workdir: Path, process: asyncio.subprocess.Process) -> None:
        while True:
            await asyncio.sleep(0.5)
            size = await asyncio.to_thread(directory_size, workdir)
            if size > self.max_bytes:
                process.kill()
                raise SourceError(f"repository is larger than the {self.max_bytes} byte limit")


async def commit_time(binary: str, checkout: Path) -> int | None:
    """The checked-out commit's committer time (for SOURCE_DATE_EPOCH); None when there is no history."""
    process = await asyncio.create_subprocess_exec(
        binary, *_SAFE_CONFIG, "log", "-1", "--format=%ct", cwd=checkout, env=git_env(),
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
    )
    out, _ = await process.communicate()
    text = out.decode(errors="replace").strip()
    return int(text) if process.returncode == 0 and text.isdigit() else None
