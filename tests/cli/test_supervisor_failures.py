"""The supervisor reports a child that dies or never gets healthy, and then stops all the others."""

from __future__ import annotations

import asyncio
import sys

import httpx
import pytest

from services.cli.child import ChildSpec, ChildStatus, SpawnFailed
from services.cli.supervisor import Supervisor
from tests.cli.children import fake, free_port

pytestmark = pytest.mark.timeout(60)



async def test_a_child_that_dies_stops_the_others_and_fails_the_run() -> None:
    lines: list[tuple[str, str]] = []
    started, died = asyncio.Event(), []
    survivor, victim = fake("survivor"), fake("victim")
    supervisor = Supervisor([survivor, victim], lambda n, t: lines.append((n, t)), grace=10)
    running = asyncio.create_task(
        supervisor.run(asyncio.Event(), lambda _: started.set(), died.append))
    await asyncio.wait_for(started.wait(), 30)
    async with httpx.AsyncClient() as http:
        with pytest.raises(httpx.HTTPError):  # it exits before answering
            await http.get(f"http://127.0.0.1:{victim.port}/exit/3")
    assert await asyncio.wait_for(running, 30) == 1
    assert [child.name for child in died] == ["victim"]
    assert died[0].status == "exited with code 3"
    assert ("survivor", "got SIGTERM (obedient)") in lines
    assert not supervisor.children[0].running  # SIGTERMed, perhaps before it could even set a handler


async def test_a_child_that_never_gets_healthy_fails_the_start() -> None:
    statuses: list[str] = []
    supervisor = Supervisor([fake("fine"), fake("sick", "never-ready")], lambda n, t: None, grace=10,
                            health_timeout=1.0)
    code = await asyncio.wait_for(supervisor.run(
        asyncio.Event(), lambda children: statuses.extend(c.status for c in children), lambda c: None), 30)
    assert code == 1
    assert statuses == ["healthy", "no healthy /healthz after 1s"]
    assert all(child.process.returncode == 0 for child in supervisor.children)  # both were stopped


async def test_a_child_that_exits_during_start_up_says_with_which_code() -> None:
    lines: list[tuple[str, str]] = []
    crash = "print('no config'); raise SystemExit(4)"
    broken = ChildSpec("broken", [sys.executable, "-c", crash], free_port())
    supervisor = Supervisor([broken], lambda n, t: lines.append((n, t)), grace=10)
    started: list[list[ChildStatus]] = []
    assert await asyncio.wait_for(supervisor.run(asyncio.Event(), started.append, lambda c: None), 30) == 1
    assert started[0][0].status == "exited with code 4 during start-up"
    assert lines == [("broken", "no config")]


async def test_a_command_that_cannot_run_is_reported_and_earlier_children_stopped() -> None:
    first = fake("first")
    missing = ChildSpec("missing", ["/nonexistent/greenlight-service"], free_port())
    supervisor = Supervisor([first, missing], lambda n, t: None, grace=10)
    with pytest.raises(SpawnFailed, match=r"cannot start missing \(/nonexistent/greenlight-service\)"):
        await supervisor.run(asyncio.Event(), lambda _: None, lambda _: None)
    assert not supervisor.children[0].running  # SIGTERMed, perhaps before it could even set a handler
