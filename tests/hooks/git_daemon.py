"""A real `git daemon` on loopback serving a bare repository that tests push to over git://."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from tests.fixtures_repo import FixtureRepo, make_repo
from tests.ports import free_port as _free_port


@dataclass
class Served:
    url: str  # git://127.0.0.1:<port>/demo.git
    work: FixtureRepo

    def push(self, message: str) -> str:
        """Commit in the work tree, push it to the daemon's main, return the commit."""
        sha = self.work.commit({"app.txt": message}, message)
        self.work.git("push", "-q", self.url, "HEAD:refs/heads/main")
        return sha


@contextlib.asynccontextmanager
async def git_daemon(root: Path) -> AsyncIterator[Served]:
    served = root / "served"
    served.mkdir()
    bare = served / "demo.git"
    work, _ = make_repo(root / "work", {"app.txt": "first"})
    work.git("clone", "-q", "--bare", str(work.path), str(bare))
    port = _free_port()
    process = await asyncio.create_subprocess_exec(
        "git", "daemon", "--verbose", "--export-all", "--enable=receive-pack", "--reuseaddr",
        f"--base-path={served}", "--listen=127.0.0.1", f"--port={port}", str(served),
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stderr is not None
        async with asyncio.timeout(10):  # it says so once it listens
            while b"Ready to rumble" not in await process.stderr.readline():
                pass
        yield Served(f"git://127.0.0.1:{port}/demo.git", work)
    finally:
        process.terminate()
        await process.wait()
