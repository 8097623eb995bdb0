"""How the builder runs git on a fetched repository (source.py): as a stranger's code.

Nothing the repository configures may run, a repository that outgrows the limit is stopped while git is still at
it, and git's own words, which may quote whatever a remote sent, go to the log, not to the release. git is killed
with everything it started: a transport child (`git remote-http`) left alive held git's pipes open, and waiting for
them waited on the server, past every timeout.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from collections.abc import Mapping, Sequence
from pathlib import Path

import structlog

from services.builder.checkouts import SourceError, directory_size
from services.shared.git_target import classify
from services.shared.process_tree import kill_tree
from services.shared.sources import GitUnavailable, git_env, git_unavailable

log = structlog.get_logger(__name__)
# Hooks and fsmonitor could run programs from configuration; nothing in a fetched repo may execute.
_SAFE_CONFIG = (
    "-c", "core.hooksPath=/dev/null", "-c", "core.fsmonitor=false", "-c", "advice.detachedHead=false",
)
_INDEX_ENTRY = 64  # an index (v2) entry's fixed part and its least padding


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
                kill_tree(process)
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

    async def _tree_bytes(self, workdir: Path, target: str, limit: int) -> int:
        """What checking `target` out would write: its blobs' sizes, which git reads from the objects' headers
        (nothing is inflated), and an index entry for each; summed as git lists them, git stopped past `limit`."""
        process = await asyncio.create_subprocess_exec(
            self.binary, *_SAFE_CONFIG, "ls-tree", "-r", "-l", "-z", target, cwd=workdir, env=git_env(),
            stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
        )
        assert process.stdout is not None
        total, rest, listed = 0, b"", False
        try:
            while total <= limit:
                if not (chunk := await process.stdout.read(65536)):
                    listed = True
                    break
                *entries, rest = (rest + chunk).split(b"\0")
                for entry in entries:  # "<mode> <type> <object> <size>\t<path>"; a submodule's size is "-"
                    header, _, path = entry.partition(b"\t")
                    size = header.split()[-1:]
                    # Empty files cost nothing but their index entry (62 bytes, the path, padding): 200,000 of them,
                    # a 0.5 MB pack, made a 15 MB index.
                    total += (int(size[0]) if size and size[0].isdigit() else 0) + _INDEX_ENTRY + len(path)
        finally:
            if not listed:
                if process.returncode is None:
                    # Not process.kill(): it reaps a git that already exited, and asyncio's watcher then logs a
                    # warning. Unreaped, the pid is still this child's.
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(process.pid, signal.SIGKILL)
                # To the end: whatever still holds the pipe (git run by a wrapper script) would block on it for good.
                while await process.stdout.read(65536):
                    pass
            await process.wait()
        return total

    async def _commit_bytes(self, workdir: Path, limit: int) -> int:
        """The commits' sizes as their objects' headers give them (nothing inflated), summed as git lists them; git
        stopped past `limit`. Streamed: the head's tree may list millions of objects."""
        process = await asyncio.create_subprocess_exec(
            self.binary, *_SAFE_CONFIG, "cat-file", "--batch-all-objects", "--unordered",
            "--batch-check=%(objecttype) %(objectsize)", cwd=workdir, env=git_env(),
            stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL)
        assert process.stdout is not None
        total = 0
        try:
            while total <= limit and (line := await process.stdout.readline()):
                kind, _, size = line.partition(b" ")
                total += int(size) if kind == b"commit" else 0
        finally:
            if process.returncode is None:
                kill_tree(process)
            await process.wait()
        return total

    async def _watch_size(self, workdir: Path, process: asyncio.subprocess.Process) -> None:
        while True:
            await asyncio.sleep(0.5)
            size = await asyncio.to_thread(directory_size, workdir)
            if size > self.max_bytes:
                kill_tree(process)
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
