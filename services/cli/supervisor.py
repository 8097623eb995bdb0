"""Runs a set of services as child processes: start, wait for /healthz, watch, stop gracefully."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from collections.abc import Callable, Sequence
from typing import Any

from services.cli.child import ChildSpec, ChildStatus, LineSink, pump_lines, spawn
from services.cli.health_wait import children_healthy
from services.shared.timeouts import bounded


class Supervisor:
    def __init__(self, specs: Sequence[ChildSpec], on_line: LineSink, *, grace: float = 45.0,
                 health_timeout: float = 60.0, poll_interval: float = 0.2) -> None:
        self.specs = specs
        self.on_line = on_line
        self.grace = grace
        self.health_timeout = health_timeout
        self.poll_interval = poll_interval
        self.children: list[ChildStatus] = []
        self.force = asyncio.Event()  # set (a second Ctrl-C) to skip the rest of the grace period

    async def spawn(self) -> None:
        """Start every child; quick, and not interrupted halfway so no process is ever lost track of."""
        for spec in self.specs:
            child = ChildStatus(spec, await spawn(spec))
            child.pump = asyncio.create_task(pump_lines(child, self.on_line), name=f"pump-{spec.name}")
            self.children.append(child)

    async def await_healthy(self) -> bool:
        """Wait for each /healthz (health_wait.py); False as soon as any child exited or never became healthy."""
        return await children_healthy(self.children, self.health_timeout, self.poll_interval)

    async def watch(self, stop: asyncio.Event) -> ChildStatus | None:
        """Block until `stop` is set (None) or a child exits on its own (that child, its group killed)."""
        # `exited`, not Process.wait(): wait() also waits for every holder of the child's stdout, so a crashed
        # child whose helper lives on would never be noticed (see ChildProcess).
        exits = {child.process.exited: child for child in self.children}
        stopping = asyncio.create_task(stop.wait())
        either: list[asyncio.Future[Any]] = [stopping, *exits]
        try:
            await asyncio.wait(either, return_when=asyncio.FIRST_COMPLETED)
        finally:  # asyncio.wait never cancels what it waits on: the exit futures stay for stop()
            stopping.cancel()
            await asyncio.gather(stopping, return_exceptions=True)
        for exited, child in exits.items():
            if exited.done():
                child.status = f"exited with code {child.process.returncode}"
                # Whatever it started (helpers, a wrapper's command) is orphaned: it must not outlive it.
                self._signal_group(child, signal.SIGKILL)
                return child
        return None

    async def stop(self) -> None:
        """SIGTERM every child's process group, give them `grace` seconds together, then SIGKILL every group.

        Groups, not just the children: what a child started must not outlive `up`, even once the child itself
        has gone (crashed, or exited on SIGTERM and left a helper behind). Every wait here is bounded: a
        child's exit is awaited through `exited`, never Process.wait(), which a helper holding the child's
        stdout would keep from returning (see ChildProcess)."""
        running = [child for child in self.children if child.running]
        for child in self.children:
            self._signal_group(child, signal.SIGTERM)
        if running:
            all_exited = asyncio.create_task(asyncio.wait([child.process.exited for child in running]))
            forced = asyncio.create_task(self.force.wait())
            await asyncio.wait([all_exited, forced], timeout=self.grace, return_when=asyncio.FIRST_COMPLETED)
            for task in (all_exited, forced):
                task.cancel()
            await asyncio.gather(all_exited, forced, return_exceptions=True)
            for child in running:
                if child.running:
                    child.status = f"killed after {self.grace:g}s grace"
        # Every group, the leader alive or not: a straggler's, or what an exited child left behind.
        for child in self.children:
            self._signal_group(child, signal.SIGKILL)
        if running:
            # SIGKILL cannot be ignored; the bound is only for a process stuck in the kernel.
            with contextlib.suppress(TimeoutError):
                await bounded(asyncio.wait([child.process.exited for child in running]), 5.0)
        for child in self.children:
            if child.pump is not None:
                # EOF comes after a child's last line, unless a grandchild that left its group holds its stdout.
                with contextlib.suppress(TimeoutError):
                    await bounded(child.pump, 2.0)
            if child.status in ("healthy", "starting"):
                child.status = f"stopped ({child.process.returncode})"

    @staticmethod
    def _signal_group(child: ChildStatus, signum: signal.Signals) -> None:
        """Signal the child's process group; spawn() makes each child a session (so group) leader: pgid == pid.

        The kernel does not hand out a pid again while it still names a process group, so as long as anything
        of the child's group lives this reaches exactly that group, its leader gone or not; an emptied group
        gives ESRCH, ignored."""
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(child.process.pid, signum)

    async def run(self, stop: asyncio.Event, on_started: Callable[[list[ChildStatus]], None],
                  on_exit: Callable[[ChildStatus], None]) -> int:
        """The whole life: 0 after an asked-for stop, 1 if a child failed to start or died."""
        try:
            await self.spawn()
            healthy = asyncio.create_task(self.await_healthy())
            stopping = asyncio.create_task(stop.wait())
            await asyncio.wait([healthy, stopping], return_when=asyncio.FIRST_COMPLETED)
            stopping.cancel()
            if not healthy.done():  # asked to stop while still starting
                healthy.cancel()
                await asyncio.gather(healthy, stopping, return_exceptions=True)
                return 0
            on_started(self.children)
            if not healthy.result():
                return 1
            died = await self.watch(stop)
            if died is not None:
                on_exit(died)
                return 1
            return 0
        finally:
            await self.stop()
