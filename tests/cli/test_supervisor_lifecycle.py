"""The supervisor starts children, waits for /healthz, prefixes their logs, and stops them on request."""

from __future__ import annotations

import asyncio
import time

import pytest

from services.cli.child import ChildStatus
from services.cli.supervisor import Supervisor
from tests.cli.children import fake

pytestmark = pytest.mark.timeout(60)


class Recorder:
    def __init__(self) -> None:
        self.lines: list[tuple[str, str]] = []
        self.started = asyncio.Event()
        self.died: list[ChildStatus] = []
        self.spoke = asyncio.Event()  # some child printed a line

    def line(self, name: str, text: str) -> None:
        self.lines.append((name, text))
        self.spoke.set()

    def on_started(self, children: list[ChildStatus]) -> None:
        self.started.set()

    def of(self, name: str) -> list[str]:
        return [text for who, text in self.lines if who == name]


async def test_healthy_children_log_under_their_name_and_get_sigterm_on_stop() -> None:
    seen = Recorder()
    specs = [fake("alpha"), fake("beta")]
    supervisor = Supervisor(specs, seen.line, grace=10)
    stop = asyncio.Event()
    running = asyncio.create_task(supervisor.run(stop, seen.on_started, seen.died.append))
    await asyncio.wait_for(seen.started.wait(), 30)
    assert [child.status for child in supervisor.children] == ["healthy", "healthy"]
    assert all(child.ready_after is not None for child in supervisor.children)
    assert seen.of("alpha")[0] == f"listening on {specs[0].port} [obedient]"

    stop.set()
    assert await asyncio.wait_for(running, 30) == 0
    for name in ("alpha", "beta"):
        assert seen.of(name)[-2:] == ["got SIGTERM (obedient)", "drained, bye"]
    assert [child.status for child in supervisor.children] == ["stopped (0)", "stopped (0)"]
    assert seen.died == []


async def test_a_child_that_ignores_sigterm_is_killed_after_the_grace_period() -> None:
    seen = Recorder()
    supervisor = Supervisor([fake("polite"), fake("stubborn", "stubborn")], seen.line, grace=1.0)
    stop = asyncio.Event()
    running = asyncio.create_task(supervisor.run(stop, seen.on_started, seen.died.append))
    await asyncio.wait_for(seen.started.wait(), 30)
    asked = time.monotonic()
    stop.set()
    assert await asyncio.wait_for(running, 30) == 0
    # The polite one is gone within moments: a stop that killed once it had gone (or any time before the
    # grace ran out) would end well short of it. A slow machine only makes this longer.
    assert time.monotonic() - asked >= 0.95
    polite, stubborn = supervisor.children
    assert (polite.status, polite.process.returncode) == ("stopped (0)", 0)
    assert (stubborn.status, stubborn.process.returncode) == ("killed after 1s grace", -9)
    assert "got SIGTERM (stubborn)" in seen.of("stubborn")


async def test_force_skips_the_rest_of_the_grace_period() -> None:
    seen = Recorder()
    supervisor = Supervisor([fake("stubborn", "stubborn")], seen.line, grace=600)
    stop = asyncio.Event()
    running = asyncio.create_task(supervisor.run(stop, seen.on_started, seen.died.append))
    await asyncio.wait_for(seen.started.wait(), 30)
    stop.set()
    supervisor.force.set()  # the second Ctrl-C
    assert await asyncio.wait_for(running, 30) == 0
    assert supervisor.children[0].process.returncode == -9


async def test_stop_while_still_starting_stops_everything_cleanly() -> None:
    seen = Recorder()
    supervisor = Supervisor([fake("slow", "never-ready")], seen.line, grace=10, health_timeout=600)
    stop = asyncio.Event()
    running = asyncio.create_task(supervisor.run(stop, seen.on_started, seen.died.append))
    await asyncio.wait_for(seen.spoke.wait(), 30)  # it is up (though never healthy): ask to stop
    stop.set()
    assert await asyncio.wait_for(running, 30) == 0
    assert not seen.started.is_set()
    assert supervisor.children[0].process.returncode == 0
    assert "got SIGTERM (never-ready)" in seen.of("slow")
