"""The commits a release brings, read from the clone the build already fetched: the approver's context.

Recorded in the `built` event's details as `commits`: newest first, the release's own commit first, each
with sha, author, time (the author date: when the change was first written, what the approver is shown),
committed (the committer date: when it became this commit, after any rebase or cherry-pick, where the delivery
metrics' lead time starts) and subject. The dashboard cuts the list at the live release's commit to show what
changes. A shallow fetch holds only the release's commit; a local repository its whole history (capped).
Nothing here may fail a build: an unreadable log records no commits.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import structlog

from services.shared.sources import git_env
from services.shared.timeouts import bounded

log = structlog.get_logger(__name__)
LIMIT = 50
# Each field ends with a NUL, which git keeps out of names, emails and messages; a subject may hold any other
# character (a unit separator, a line separator Python splits on) and must neither hide its commit nor cut.
# Names, emails and subjects are cut by git itself (`%<(n,trunc)`, padded with spaces to n): a message of
# 100 MB is a few kB in a pack, and read whole it took the builder hundreds of MB per commit listed.
FIELDS = ("%H", "%<(200,trunc)%an", "%<(200,trunc)%ae", "%aI", "%cI", "%<(300,trunc)%s")
FORMAT = "".join(f"{field}%x00" for field in FIELDS)
# Commit subjects are repository content: a mailmap or a configured pager must not change what is read.
SAFE = ("-c", "core.hooksPath=/dev/null", "-c", "core.fsmonitor=false", "--no-pager")


async def recent_commits(checkout: Path, *, binary: str = "git", limit: int = LIMIT,
                         timeout: float = 10.0) -> list[dict[str, Any]]:
    try:
        process = await asyncio.create_subprocess_exec(
            binary, *SAFE, "log", f"--max-count={limit}", "--no-mailmap", f"--format={FORMAT}", "HEAD",
            cwd=checkout, env=_own_history_only(checkout), stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        try:
            out, err = await bounded(process.communicate(), timeout)
        except TimeoutError:
            process.kill()
            await process.wait()
            raise
    except (OSError, TimeoutError) as exc:
        log.warning("commit log unreadable; none recorded", error=str(exc))
        return []
    if process.returncode != 0:
        log.warning("commit log unreadable; none recorded", error=err.decode(errors="replace")[-300:])
        return []
    fields = out.decode(errors="replace").split("\0")
    commits = []
    for at in range(0, len(fields) - len(FIELDS) + 1, len(FIELDS)):
        sha, name, email, authored, committed, subject = fields[at:at + len(FIELDS)]
        commits.append({"sha": sha.strip(), "author": f"{name.rstrip()} <{email.rstrip()}>"[:200], "time": authored,
                        "committed": committed, "subject": subject.rstrip()[:300]})
    return commits


def _own_history_only(checkout: Path) -> dict[str, str]:
    # Without a .git of its own, git would walk up into any repository around the work root (an operator's
    # checkout holding .local/) and record that one's commits as the release's.
    return {**git_env(), "GIT_CEILING_DIRECTORIES": str(checkout.absolute().parent)}
