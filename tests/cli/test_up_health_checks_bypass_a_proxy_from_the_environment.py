"""`greenlight up` with HTTP_PROXY set in the shell (a corporate network) never saw a service healthy.

httpx honours HTTP_PROXY/ALL_PROXY for every address NO_PROXY does not name, loopback included, so the supervisor's
GET http://127.0.0.1:PORT/healthz went to the proxy, which cannot reach this machine's loopback: every service
"no healthy /healthz after 60s", the stack stopped. Its own children on 127.0.0.1 are asked directly now."""

from __future__ import annotations

import asyncio

import pytest

from services.cli.child import ChildStatus
from services.cli.supervisor import Supervisor
from tests.cli.children import fake
from tests.ports import free_port

pytestmark = pytest.mark.timeout(60)


@pytest.mark.parametrize("variable", ["HTTP_PROXY", "http_proxy", "ALL_PROXY"])
async def test_children_are_seen_healthy_though_a_proxy_is_set(monkeypatch: pytest.MonkeyPatch,
                                                                variable: str) -> None:
    specs = [fake("alpha")]
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv(variable, f"http://127.0.0.1:{free_port()}")  # nobody listens: a proxy out of reach
    started: list[list[str]] = []
    told = asyncio.Event()  # the start's outcome, healthy or not

    def on_started(children: list[ChildStatus]) -> None:
        started.append([child.status for child in children])
        told.set()

    supervisor = Supervisor(specs, lambda name, line: None, grace=10, health_timeout=8)
    stop = asyncio.Event()
    running = asyncio.create_task(supervisor.run(stop, on_started, lambda child: None))
    await asyncio.wait_for(told.wait(), 30)
    stop.set()
    assert await asyncio.wait_for(running, 30) == 0, started
    assert started == [["healthy"]]
