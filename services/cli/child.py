"""One supervised child process: what to run, how it is started, and its output read line by line."""

from __future__ import annotations

import asyncio
import ctypes
import os
import signal
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

LineSink = Callable[[str, str], None]  # (child name, line)
PR_SET_PDEATHSIG = 1
_LIBC = ctypes.CDLL(None, use_errno=True) if sys.platform == "linux" else None


class SpawnFailed(RuntimeError):
    """A child's command could not even be executed (missing program, bad path)."""


@dataclass(frozen=True)
class ChildSpec:
    name: str
    argv: Sequence[str]
    port: int
    env: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    health_path: str = "/healthz"


@dataclass
class ChildStatus:
    spec: ChildSpec
    process: asyncio.subprocess.Process
    status: str = "starting"
    ready_after: float | None = None
    pump: asyncio.Task[None] | None = None

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def running(self) -> bool:
        return self.process.returncode is None


async def spawn(spec: ChildSpec) -> asyncio.subprocess.Process:
    try:
        return await asyncio.create_subprocess_exec(
            *spec.argv, env=dict(spec.env), stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT, limit=1 << 20,
            # Own session: the terminal's Ctrl-C reaches only the supervisor, which decides how children
            # stop; and a straggler's whole process group can be killed at once.
            start_new_session=True, preexec_fn=_die_with_parent,
        )
    except OSError as exc:
        raise SpawnFailed(f"cannot start {spec.name} ({' '.join(spec.argv)}): {exc}") from exc


async def pump_lines(child: ChildStatus, sink: LineSink) -> None:
    """Every line the child prints (stdout and stderr), until it closes its output."""
    stream = child.process.stdout
    assert stream is not None
    while True:
        try:
            raw = await stream.readline()
        except ValueError:  # a line longer than the limit: show what there is and carry on
            raw = await stream.read(1 << 20)
        if not raw:
            return
        sink(child.name, raw.decode(errors="replace").rstrip("\r\n"))


def _die_with_parent() -> None:
    # If the supervisor is SIGKILLed it cannot forward anything; the kernel then sends SIGTERM instead.
    if _LIBC is not None:
        _LIBC.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
