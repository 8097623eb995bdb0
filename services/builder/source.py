"""The source adapter: the release's repository at its commit, in a fresh directory, with the git CLI."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import structlog

from services.builder.checkouts import WORKDIR_PREFIX, SourceError, directory_size
from services.builder.commits import recent_commits
from services.builder.git_runner import GitRunner, commit_time
from services.builder.shipped import Shipped, read_shipped
from services.shared.git_target import GitTarget, pin
from services.shared.repo_policy import RepositoryPolicy, RepositorySettings
from services.shared.repo_remotes import RepositoryRefused
from services.shared.sources import GitUnavailable, git_unavailable, local_path

log = structlog.get_logger(__name__)


class GitCli(GitRunner):
    def __init__(self, *, binary: str, timeout: float, max_bytes: int, work_root: Path | None,
                 repositories: RepositorySettings | None = None) -> None:
        self.binary = binary
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.work_root = work_root
        self.repositories = repositories or RepositorySettings()
        self.policy = RepositoryPolicy(self.repositories.allow)

    @contextlib.asynccontextmanager
    async def checkout(self, repository: str, commit: str) -> AsyncIterator[Path]:
        workdir = Path(tempfile.mkdtemp(prefix=WORKDIR_PREFIX, dir=self.work_root))
        deadline = asyncio.get_running_loop().time() + self.timeout  # one budget for fetch and checkout
        try:
            try:
                async with asyncio.timeout_at(deadline):
                    target = await self._fetch(repository, commit, workdir)
            except TimeoutError:  # a server that stalls: transient, like one that refuses
                raise GitUnavailable(f"fetching {repository} took longer than {self.timeout:.0f}s") from None
            try:
                async with asyncio.timeout_at(deadline):
                    await self._check_out(repository, commit, target, workdir)
            except TimeoutError:  # local work on what was fetched: another try would take as long
                raise SourceError(f"checking out {commit} took longer than {self.timeout:.0f}s") from None
            yield workdir
        finally:
            await asyncio.to_thread(shutil.rmtree, workdir, ignore_errors=True)

    async def commits(self, checkout: Path) -> list[dict[str, Any]]:
        return await recent_commits(checkout, binary=self.binary)

    async def commit_time(self, checkout: Path) -> int | None:
        return await commit_time(self.binary, checkout)

    async def shipped(self, checkout: Path, repository: str, commit: str, since: str | None, *,
                      limit: int, timeout: float) -> Shipped | None:
        return await read_shipped(self, checkout, commit, since, lambda: self._pin(repository),
                                  limit=limit, timeout=timeout)

    async def _fetch(self, repository: str, commit: str, workdir: Path) -> str:
        """Fetch (or borrow) the commit's objects; returns what to check out."""
        remote = await self._pin(repository)  # before any git runs: a refused host is never contacted
        await self._git(workdir, ["init", "-q"])
        # Outranks every committed .gitattributes: no path of the checkout goes through a filter program
        # the host's git config defines (git-lfs's, say), whichever the repository names.
        info = workdir / ".git" / "info"
        info.mkdir(exist_ok=True)
        (info / "attributes").write_text("* -filter\n")
        borrowed = self._borrow_local(repository, workdir)
        return commit if borrowed else await self._fetch_remote(remote, commit, workdir)

    async def _check_out(self, repository: str, commit: str, target: str, workdir: Path) -> None:
        # A pack of a few MB can hold GBs of zeros, which checkout writes faster than the watcher looks (every 0.5 s):
        # the tree's size is known before a byte of it is written.
        room = self.max_bytes - await asyncio.to_thread(directory_size, workdir)
        if await self._tree_bytes(workdir, target, room) > room:
            raise SourceError(f"repository is larger than the {self.max_bytes} byte limit")
        rc, _ = await self._git(workdir, ["checkout", "-q", "--detach", target], check=False)
        if rc != 0:
            raise SourceError(f"commit {commit} is not in {repository}")
        _, head = await self._git(workdir, ["rev-parse", "HEAD"], check=False, output=True)
        if head != commit:
            raise SourceError(f"commit {commit} is not in {repository} (the server sent {head[:40]})")
        # A small, highly compressed repository can finish before the watcher's first look.
        if await asyncio.to_thread(directory_size, workdir) > self.max_bytes:
            raise SourceError(f"repository is larger than the {self.max_bytes} byte limit")

    def _borrow_local(self, repository: str, workdir: Path) -> bool:
        """A plain local path is read as `git clone --shared` reads it: its objects are borrowed through
        an alternates file instead of being packed and copied, and no git command runs inside that
        repository. A file:// URL goes through the transport, as it does for git clone."""
        if repository.startswith("file://") or (path := local_path(repository)) is None:
            return False
        path = path.resolve()
        for objects in (path / ".git" / "objects", path / "objects"):
            if objects.is_dir():
                (workdir / ".git" / "objects" / "info" / "alternates").write_text(f"{objects}\n")
                return True
        raise SourceError(f"{repository} is not a git repository")

    async def _pin(self, repository: str) -> GitTarget:
        try:
            return await pin(repository, self.policy, local=local_path(repository) is not None,
                             credential_helper=self.repositories.credential_helper, proxy=self.repositories.proxy)
        except RepositoryRefused as exc:
            raise SourceError(f"unsafe source refused: {exc}") from None

    async def _fetch_remote(self, remote: GitTarget, commit: str, workdir: Path) -> str:
        """Fetch the commit; returns what to check out."""
        # Shallow first: most servers (protocol v2, GitHub, GitLab) serve a bare SHA. unpackLimit=1 keeps
        # the received pack as is instead of re-deflating every object into a loose file.
        keep_pack = [*remote.config, "-c", "fetch.unpackLimit=1"]
        shallow = [*keep_pack, "fetch", "-q", "--no-tags", "--depth", "1", "--", remote.url, commit]
        rc, err = await self._git(workdir, shallow, check=False, env=remote.env)
        if rc == 0:
            return "FETCH_HEAD"
        if git_unavailable(err):
            raise GitUnavailable(f"git server unavailable: {err[-300:]}")
        log.info("shallow fetch by SHA refused; fetching all branches and tags", detail=err[-300:])
        full = [*keep_pack, "fetch", "-q", "--", remote.url,
                "+refs/heads/*:refs/remotes/origin/*", "+refs/tags/*:refs/tags/*"]
        await self._git(workdir, full, env=remote.env)
        return commit
