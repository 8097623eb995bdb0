"""Killing a process with everything it started: git's transport (`git remote-http`), `index-pack`, `upload-pack`.

Killed alone, git left them running, holding its pipes open: waiting for git then waited on them, and so on the
server they were reading from, past every timeout (asyncio's `wait` ends once the pipes close): the builder's
fetches (tests/builder/test_a_git_server_that_stalls_is_cut_off_in_time.py) and the API's `git ls-remote`
(tests/shared/test_a_ref_resolved_from_a_stalling_server_ends_in_time.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from pathlib import Path


def kill_tree(process: asyncio.subprocess.Process) -> None:
    """SIGKILL to git and every process under it. Not a process group of its own: the builder's group, which a
    supervisor signals when it stops the service, must still reach git. Stopped first, git neither starts another
    child nor reaps one (an exited child stays a zombie, so no pid listed here is handed to a stranger); its own
    signals go through asyncio, which never signals a git already reaped."""
    with contextlib.suppress(ProcessLookupError):
        process.send_signal(signal.SIGSTOP)
        if _parent_of(process.pid) == os.getpid():  # still our git, not a pid handed on since
            for child in _descendants(process.pid):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(child, signal.SIGKILL)
        process.kill()


def _parent_of(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(stat.rpartition(")")[2].split()[1])  # after "(comm)", which may hold anything: state, ppid


def _descendants(pid: int) -> list[int]:
    found, parents = [], [pid]
    while parents:
        for tasks in _children_files(parents.pop()):
            with contextlib.suppress(OSError, ValueError):
                children = [int(child) for child in tasks.read_text().split()]
                found += children
                parents += children
    return found


def _children_files(pid: int) -> list[Path]:
    """Each thread's `children` file of `pid`; none for a process gone meanwhile (a child that exited and was reaped,
    or git itself exiting as it was stopped: the glob's scandir raised FileNotFoundError and failed the build)."""
    try:
        return list(Path(f"/proc/{pid}/task").glob("*/children"))
    except OSError:
        return []
