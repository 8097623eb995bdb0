"""A lint cut short (the builder stopping, its handler cancelled) leaves no hadolint running.

Pins: hadolint is killed and reaped whenever its run ends early: past the lint timeout, as before, and when the
lint is cancelled.

Why: only the timeout killed it. A builder stopped (SIGTERM: its handlers cancelled) while hadolint read a long RUN
left hadolint running on its own, a core and up to its memory bound (GREENLIGHT_BUILDER_LINT_MAX_MEMORY) for as long
as it took, while the release's message went to another replica to be linted again.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import stat
from pathlib import Path

from services.builder.lint import Hadolint, find_hadolint
from tests.infra import PINNED_BASE_IMAGE

LONG_RUN = "".join(f'  && echo {i} "$(echo $x{i})" \\\n' for i in range(1000))
DOCKERFILE = f"FROM {PINNED_BASE_IMAGE}\nRUN true \\\n{LONG_RUN}  && true\n".encode()


async def test_cancelling_a_lint_kills_hadolint(tmp_path: Path) -> None:
    started = tmp_path / "started"
    os.mkfifo(started)
    spy = tmp_path / "hadolint-spy"  # says its pid, then becomes hadolint (same pid)
    spy.write_text(f'#!/bin/sh\necho $$ > {started}\nexec {find_hadolint(None)} "$@"\n')
    spy.chmod(spy.stat().st_mode | stat.S_IXUSR)
    lint = asyncio.create_task(Hadolint(str(spy), timeout=120).lint(DOCKERFILE, "Dockerfile"))
    pid = int(await asyncio.wait_for(asyncio.to_thread(started.read_text), 30))  # a FIFO: read once it is written
    lint.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await lint
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return  # killed and reaped
    os.kill(pid, signal.SIGKILL)  # left running: stop it for the next tests, then fail
    raise AssertionError(f"hadolint (pid {pid}) still runs after its lint was cancelled")
