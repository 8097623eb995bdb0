"""Redis unreachable must not take the page down: each process falls back to its own allowance.

One warning line when Redis goes, one info line when it answers again; while it is away a process never spends
more than it would without Redis (its own budget keeps counting through the shared period); the URL's password
never reaches a log line.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, MutableMapping
from typing import Any

import pytest
from conftest import TEST_REDIS_URL, FakeClock, MakeClient
from structlog.testing import capture_logs
from tm_stub import StubTicketmaster
from yarl import URL

from tests.ports import free_port
from tests.tcp_proxy import TcpProxy

PASSWORD = "redis-pw-5ecr3t-91"


@pytest.fixture
async def proxy() -> AsyncIterator[TcpProxy]:
    target = URL(TEST_REDIS_URL)
    server = TcpProxy(target.host or "127.0.0.1", target.port or 6379)
    await server.start()
    yield server
    server.thaw()
    await server.stop()


def _events(logs: list[MutableMapping[str, Any]], name: str) -> list[MutableMapping[str, Any]]:
    return [entry for entry in logs if entry["event"] == name]


async def test_nothing_listening_serves_the_page_on_the_per_process_budget(
    make_client: MakeClient, stub: StubTicketmaster, redis_prefix: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    url = f"redis://:{PASSWORD}@127.0.0.1:{free_port()}/0"
    with capture_logs() as logs:
        app = await make_client(events_page_size=50, events_search_budget=2, events_redis_url=url,
                                events_redis_prefix=redis_prefix, log_level="DEBUG")
        assert (await app.get("/")).status == 200
        assert [(await app.get("/api/events", params={"keyword": f"w{n}"})).status for n in range(3)] == \
            [200, 200, 503]
    assert len(stub.calls) == 3
    warnings = _events(logs, "shared_allowance_unavailable")
    assert len(warnings) == 1 and warnings[0]["log_level"] == "warning"
    assert warnings[0]["redis"].endswith(":" + url.rsplit(":", 1)[1].split("/")[0])
    assert PASSWORD not in repr(logs) + caplog.text


async def test_redis_stopped_mid_window_then_back(
    make_client: MakeClient, stub: StubTicketmaster, clock: FakeClock, redis_prefix: str, proxy: TcpProxy
) -> None:
    shared = {"events_redis_url": f"redis://127.0.0.1:{proxy.port}/0", "events_redis_prefix": redis_prefix,
              "events_page_size": 50, "events_search_budget": 3, "events_search_window": 600}
    blue, green = await make_client(app_color="blue", **shared), await make_client(**shared)
    for n in range(2):
        assert (await blue.get("/api/events", params={"keyword": f"b{n}"})).status == 200
    with capture_logs() as logs:
        await proxy.away()
        # Blue spent 2 of its own 3 while shared: one more, not three. Green had spent none: its own 3.
        assert [(await blue.get("/api/events", params={"keyword": f"c{n}"})).status for n in range(2)] == [200, 503]
        assert [(await green.get("/api/events", params={"keyword": f"g{n}"})).status for n in range(4)] == \
            [200, 200, 200, 503]
        assert (await green.get("/")).status == 200
    assert len(_events(logs, "shared_allowance_unavailable")) == 2  # one per process, not one per request
    assert "events_app_shared_allowance_up 0.0" in await (await blue.get("/metrics")).text()
    assert len(stub.calls) == 2 + 1 + 3 + 1

    await proxy.back()
    clock.advance(5)  # the pause before Redis is tried again
    with capture_logs() as logs:
        # Shared again, where it stood: 2 of 3 spent in this window, so one search for both apps together.
        assert (await green.get("/api/events", params={"keyword": "after0"})).status == 200
        assert (await blue.get("/api/events", params={"keyword": "after1"})).status == 503
    assert len(_events(logs, "shared_allowance_restored")) == 2  # one per process
    assert "events_app_shared_allowance_up 1.0" in await (await blue.get("/metrics")).text()


async def test_a_frozen_redis_costs_a_request_one_timeout_then_nothing(
    make_client: MakeClient, stub: StubTicketmaster, redis_prefix: str, proxy: TcpProxy
) -> None:
    app = await make_client(events_redis_url=f"redis://127.0.0.1:{proxy.port}/0", events_redis_prefix=redis_prefix,
                            events_redis_timeout=0.2, events_page_size=50)
    assert (await app.get("/api/events", params={"keyword": "warm"})).status == 200
    proxy.freeze()
    async with asyncio.timeout(2):  # one Redis timeout (0.2 s), then the per-process allowance without waiting
        for n in range(5):
            assert (await app.get("/api/events", params={"keyword": f"f{n}"})).status == 200
    assert len(stub.calls) == 6
