"""A child that exits during start-up ends `greenlight up` at once: the others were stopped only once each was
healthy or past the health timeout (60 s by default), so a service that could not start kept the whole stack
starting, and its line waiting, for up to a minute."""

from __future__ import annotations

import asyncio
import sys
import time

import pytest

from services.cli.child import ChildSpec, ChildStatus
from services.cli.supervisor import Supervisor
from tests.cli.children import fake, free_port

pytestmark = pytest.mark.timeout(60)


async def test_a_crash_while_another_child_is_still_starting() -> None:
    broken = ChildSpec("broken", [sys.executable, "-c", "raise SystemExit(4)"], free_port())
    slow = fake("slow", "never-ready")
    supervisor = Supervisor([slow, broken], lambda n, t: None, grace=10, health_timeout=30)
    started: list[list[ChildStatus]] = []
    began = time.monotonic()
    code = await asyncio.wait_for(supervisor.run(asyncio.Event(), started.append, lambda c: None), 45)
    assert code == 1
    assert time.monotonic() - began < 10  # not the 30 s the slow child would be given
    assert [c.status for c in started[0]][1] == "exited with code 4 during start-up"
    assert not supervisor.children[0].running
