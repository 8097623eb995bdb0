"""What a release ships, for DORA's lead time: the commits reachable from its commit and not from the commit live
when it was requested (the API puts that one in `requested` as `live_commit`: the builder keeps no store and asks
no service). Recorded on `built` as `shipped`: each commit's sha and committer date, its own first.

Read after the build from the checkout. A shallow clone is deepened, 17 generations, then (the live commit not
among them) `limit + 1`, commits only (`--filter=tree:0`: no tree or blob of the history is sent by a server that
allows filters; one that does not is still held by the work dir's size limit and `timeout`), and no more than
HISTORY_BYTES of commits (git holds each commit it walks in memory, whole: a message of 300 MB is 300 kB in a pack).
Anything short of a clean range records the release's own commit only, read without a walk, and says why: nothing
live before it, a live commit that is no ancestor (history rewritten by a force push) or further than `limit`
generations back, a fetch that failed or brought too much. A checkout whose log cannot be read records no range.
Nothing here fails a build.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import structlog

from services.builder.checkouts import SourceError, directory_size
from services.builder.git_runner import GitRunner
from services.shared.git_target import GitTarget
from services.shared.sources import GitUnavailable

log = structlog.get_logger(__name__)
# Most releases ship a few commits: one small fetch first, small even from a server that sends every tree (one that
# does not allow filters: 0.7 s more for a 200-generation fetch of a 1,000-commit repository, 0.1 s with them).
FIRST_DEPTH = 16
HISTORY_BYTES = 64 * 1024 * 1024  # the commits fetched, whole: 1,000 of 64 kB; most are under 1 kB
REMOTE = "greenlight-history"  # a name of our own, its section removed after the fetch: nothing fetches lazily later


@dataclass(frozen=True)
class Shipped:
    since: str | None  # the commit live when the release was requested
    commits: tuple[tuple[str, str], ...]  # (sha, committer date), its own commit first
    complete: bool  # every commit of the range, not the head alone nor the newest `limit`
    note: str | None = None

    def details(self) -> dict[str, Any]:
        return {"since": self.since, "commits": [list(c) for c in self.commits], "complete": self.complete,
                "note": self.note}


@runtime_checkable
class ShipsHistory(Protocol):
    async def shipped(self, checkout: Path, repository: str, commit: str, since: str | None, *,
                      limit: int, timeout: float) -> Shipped | None:
        """What the checkout's commit ships since `since`; its own commit alone when that cannot be told; None
        when nothing can be read. Never raises."""


async def read_shipped(git: GitRunner, checkout: Path, commit: str, since: str | None, remote: Callable[
        [], Awaitable[GitTarget]], *, limit: int, timeout: float) -> Shipped | None:
    """None when even the checkout's own log is unreadable: then `built` records no range, and the lead time
    counts the release's commit as its `commits` list gives it (as for a build logged before ranges were)."""
    try:
        return await _read(git, checkout, commit, since, remote, limit=limit, timeout=timeout)
    except (SourceError, GitUnavailable, TimeoutError) as exc:
        log.warning("shipped commits unreadable; none recorded", error=str(exc))
        return None


async def _read(git: GitRunner, checkout: Path, commit: str, since: str | None,
                remote: Callable[[], Awaitable[GitTarget]], *, limit: int, timeout: float) -> Shipped:
    if since is None:
        return await _head_only(git, checkout, commit, None, "nothing was live before it: its own commit only")
    shallow = checkout / ".git" / "shallow"
    if shallow.exists():
        try:
            async with asyncio.timeout(timeout):
                target = await remote()
                for depth in sorted({min(FIRST_DEPTH, limit), limit}):
                    await _deepen(git, checkout, commit, target, depth + 1)
                    if await _descends(git, checkout, since, commit):
                        break
        except (SourceError, GitUnavailable, TimeoutError) as exc:
            log.info("history not fetched; recording the release's commit only", error=str(exc))
            return await _head_only(git, checkout, commit, since, "its history could not be fetched")
    async with asyncio.timeout(timeout):  # local reading, bounded all the same (a borrowed repository's range)
        if not await _descends(git, checkout, since, commit):
            return await _head_only(git, checkout, commit, since, f"the live commit is not among its last {limit} "
                                    "generations of ancestors (history rewritten, or that far back)")
        listed = await _log(git, checkout, [commit, f"^{since}"], limit + 1)
    boundary = set(shallow.read_text().split()) if shallow.exists() else set()
    # A shallow boundary inside the range: a side branch runs on past what was fetched.
    cut = len(listed) > limit or any(sha in boundary for sha, _ in listed)
    note = f"more than {limit} commits: the newest {limit}" if cut else None
    return Shipped(since, tuple(listed[:limit]), not cut, note)


async def _descends(git: GitRunner, checkout: Path, since: str, commit: str) -> bool:
    # Not: 1, no ancestor; 128, not within the generations fetched (or no such commit at all).
    rc, _ = await git._git(checkout, ["merge-base", "--is-ancestor", since, commit], check=False)
    return rc == 0


async def _deepen(git: GitRunner, checkout: Path, commit: str, remote: GitTarget, depth: int) -> None:
    # extensions.partialClone names the remote only for this command; the section the fetch writes is removed
    # after it, so no later git command takes a missing tree for one to fetch.
    config = [*remote.config, "-c", f"extensions.partialClone={REMOTE}", "-c", f"remote.{REMOTE}.url={remote.url}",
              "-c", f"remote.{REMOTE}.promisor=true", "-c", "fetch.unpackLimit=1"]
    try:
        await git._git(checkout, [*config, "fetch", "-q", "--no-tags", f"--depth={depth}", "--filter=tree:0",
                                  REMOTE, commit], env=remote.env)
        # The watcher looks every 0.5 s: a fast server's pack can land between two looks.
        if await asyncio.to_thread(directory_size, checkout) > git.max_bytes:
            raise SourceError(f"the history is larger than the {git.max_bytes} byte limit")
        if await git._commit_bytes(checkout, HISTORY_BYTES) > HISTORY_BYTES:
            raise SourceError(f"the history's commits are larger than {HISTORY_BYTES} bytes")
    finally:
        await git._git(checkout, ["config", "--remove-section", f"remote.{REMOTE}"], check=False)


async def _head_only(git: GitRunner, checkout: Path, commit: str, since: str | None, note: str) -> Shipped:
    # Not walked: a topological order walks every ancestor there is first (the whole of a borrowed repository).
    return Shipped(since, tuple(await _log(git, checkout, [commit], 1, order="--no-walk")), False, note)


async def _log(git: GitRunner, checkout: Path, revisions: list[str], count: int,
               order: str = "--topo-order") -> list[tuple[str, str]]:
    # Topological: the release's own commit first whatever the dates say, so a cut keeps it.
    # Unreadable raises SourceError: an empty list would say the release ships nothing.
    _, out = await git._git(checkout, ["--no-pager", "log", order, f"--max-count={count}",
                                       "--format=%H %cI", *revisions, "--"], output=True)
    pairs = (line.split(" ", 1) for line in out.splitlines())
    return [(sha, at) for sha, at in (p for p in pairs if len(p) == 2)]
