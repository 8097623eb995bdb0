"""Dependencies the fault tests own: started on free ports and private directories, stopped and started again
at will, so the shared infrastructure other tests use is never touched."""

from __future__ import annotations

import asyncio
import contextlib
import re
import signal
from collections.abc import Sequence
from pathlib import Path


class Daemon:
    """A child process that counts as up once a line of its output matches `ready`."""

    def __init__(self, name: str, argv: Sequence[str], ready: str, cwd: Path | None = None) -> None:
        self.name = name
        self.argv = list(argv)
        self.ready = re.compile(ready)
        self.cwd = cwd
        self.process: asyncio.subprocess.Process | None = None
        self.output: list[str] = []
        self._reader: asyncio.Task[None] | None = None

    async def start(self, timeout: float = 30.0) -> None:
        self.process = await asyncio.create_subprocess_exec(
            *self.argv, cwd=self.cwd, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT)
        up = asyncio.get_running_loop().create_future()
        self._reader = asyncio.create_task(self._read(up))
        try:
            await asyncio.wait_for(asyncio.shield(up), timeout)
        except TimeoutError:
            await self.stop()
            raise AssertionError(f"{self.name} did not start in {timeout}s: {self.output[-10:]}") from None

    async def _read(self, up: asyncio.Future[None]) -> None:
        assert self.process is not None and self.process.stdout is not None
        async for raw in self.process.stdout:
            line = raw.decode(errors="replace").rstrip()
            self.output.append(line)
            if not up.done() and self.ready.search(line):
                up.set_result(None)
        if not up.done():
            up.set_exception(AssertionError(f"{self.name} exited: {self.output[-10:]}"))

    async def stop(self, *, kill: bool = False) -> None:
        """SIGTERM (a clean stop) or, with `kill`, SIGKILL: gone at once, whatever it was doing."""
        if self.process is not None and self.process.returncode is None:
            self.process.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
            try:
                await asyncio.wait_for(self.process.wait(), 15)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()
        if self._reader is not None:
            with contextlib.suppress(Exception):
                await self._reader
        self.process = None


async def outage(daemon: Daemon, seconds: float, *, kill: bool = False) -> None:
    """Stop `daemon`, keep it down for `seconds` (the fault itself, not a wait for something), start it again."""
    await daemon.stop(kill=kill)
    await asyncio.sleep(seconds)
    await daemon.start()
