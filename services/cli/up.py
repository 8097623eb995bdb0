"""`greenlight up` in the terminal: signals in, each child's lines and a status table out."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Iterable, Sequence

from rich.table import Table
from rich.text import Text

from services.cli import render
from services.cli.child import ChildSpec, ChildStatus, LineSink
from services.cli.supervisor import Supervisor

# SIGHUP too: a closed terminal or dropped SSH session must stop the stack, not kill `up` and orphan it (the
# services run in sessions of their own, so the hang-up reaches only `up`).
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
CHILD_COLOURS = ("cyan", "magenta", "blue", "green", "yellow", "bright_red", "bright_cyan")


def run_stack(specs: Sequence[ChildSpec], *, grace: float, health_timeout: float) -> int:
    """Runs until Ctrl-C / SIGTERM (0) or until a child fails to start or dies (1)."""
    supervisor = Supervisor(specs, child_logger([spec.name for spec in specs]), grace=grace,
                            health_timeout=health_timeout)
    return asyncio.run(_supervise(supervisor))


async def _supervise(supervisor: Supervisor) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()

    def on_signal() -> None:
        if stop.is_set():
            supervisor.force.set()
            return
        stop.set()  # before printing: after a hang-up the terminal may be gone, and writing to it fail
        with contextlib.suppress(OSError):
            render.note("stopping: SIGTERM sent to every service (again to kill them now)", "yellow")

    for signum in STOP_SIGNALS:
        loop.add_signal_handler(signum, on_signal)
    try:
        return await supervisor.run(stop, on_started=_started, on_exit=_died)
    finally:
        for signum in STOP_SIGNALS:
            loop.remove_signal_handler(signum)
        children_status(supervisor.children)


def _started(children: list[ChildStatus]) -> None:
    # On failure the table comes once, at the end, with each child's final status.
    if all(child.status == "healthy" for child in children):
        children_status(children)
        render.note("all services are up; Ctrl-C stops them", "bold green")
    else:
        render.error("some services did not start; stopping the others")


def _died(child: ChildStatus) -> None:
    render.error(f"{child.name} {child.status}; stopping the others")


def children_status(children: Iterable[ChildStatus]) -> None:
    table = Table("service", "pid", "port", "status", "ready in", box=None, header_style="bold")
    for child in children:
        style = "green" if child.status == "healthy" else "bold red"
        if child.status.startswith("stopped"):
            style = "yellow"
        ready = render.duration(child.ready_after) if child.ready_after is not None else ""
        table.add_row(child.name, str(child.process.pid), str(child.spec.port),
                      Text(child.status, style=style), ready)
    render.out().print(table)


def child_logger(names: Sequence[str]) -> LineSink:
    """Prints each child's lines behind its name, each child in its own colour."""
    width = max((len(name) for name in names), default=0)
    colours = {name: CHILD_COLOURS[i % len(CHILD_COLOURS)] for i, name in enumerate(names)}

    def sink(name: str, line: str) -> None:
        # Text, not markup: a log line may hold brackets rich would otherwise interpret.
        render.out().print(Text.assemble((f"{name:<{width}} | ", colours.get(name, "white")), line))

    return sink
