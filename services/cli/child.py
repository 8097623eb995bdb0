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


class _ExitProtocol(asyncio.subprocess.SubprocessStreamProtocol):
    """What asyncio.create_subprocess_exec uses, plus `exited`: resolved the moment the child itself exits."""

    def __init__(self, limit: int, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__(limit=limit, loop=loop)
        self.exited: asyncio.Future[int] = loop.create_future()
        self._subprocess: asyncio.SubprocessTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        assert isinstance(transport, asyncio.SubprocessTransport)
        self._subprocess = transport

    def process_exited(self) -> None:
        # asyncio calls this (SubprocessProtocol's documented callback) once its child watcher has reaped the
        # child, before and independently of the pipes closing.
        super().process_exited()
        assert self._subprocess is not None
        code = self._subprocess.get_returncode()
        if code is not None and not self.exited.done():
            self.exited.set_result(code)


class ChildProcess(asyncio.subprocess.Process):
    """An asyncio Process whose exit can be awaited without waiting for its output to end.

    Process.wait() (CPython 3.11) returns only once the transport is closed, i.e. once the child has exited
    AND every pipe to it is closed. A child's own subprocesses (a helper it starts, a wrapper shell's command)
    inherit its stdout, so while one of them lives wait() does not return although the child is long dead:
    a supervisor waiting on it would neither notice a crash nor finish a stop. `exited` is resolved from the
    protocol's process_exited() callback instead, which asyncio makes as soon as the child is reaped."""

    def __init__(self, transport: asyncio.SubprocessTransport, protocol: _ExitProtocol,
                 loop: asyncio.AbstractEventLoop) -> None:
        super().__init__(transport, protocol, loop)
        self.exited: asyncio.Future[int] = protocol.exited  # the child's return code


@dataclass
class ChildStatus:
    spec: ChildSpec
    process: ChildProcess
    status: str = "starting"
    ready_after: float | None = None
    pump: asyncio.Task[None] | None = None

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def running(self) -> bool:
        return self.process.returncode is None


async def spawn(spec: ChildSpec) -> ChildProcess:
    """asyncio.create_subprocess_exec, spelled out so that the child's exit can be awaited on its own."""
    loop = asyncio.get_running_loop()
    try:
        transport, protocol = await loop.subprocess_exec(
            lambda: _ExitProtocol(1 << 20, loop), spec.argv[0], *spec.argv[1:], env=dict(spec.env),
            stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
            # Own session, so its own process group (pgid == pid): the terminal's Ctrl-C reaches only the
            # supervisor, which decides how children stop; and a child with everything it started can be
            # signalled at once, even after the child itself has gone.
            start_new_session=True, preexec_fn=_die_with_parent,
        )
    except OSError as exc:
        raise SpawnFailed(f"cannot start {spec.name} ({' '.join(spec.argv)}): {exc}") from exc
    return ChildProcess(transport, protocol, loop)


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
