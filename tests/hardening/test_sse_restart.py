"""The approval API restarted under traffic with SSE clients subscribed: each resumes with Last-Event-ID,
and ends up with every logged event exactly once, in order."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator

import pytest

from services.shared.protocol import ReleaseState as S
from services.shared.settings import BusSettings
from tests.hardening.sse_client import Client, reached, reading
from tests.hardening.stack import Driver, free_port, timer_queue
from tests.harness import delete_queues, observer, serving
from tests.noop.apps import WORKERS, noop_app, settings_for
from tests.noop.ledger import DELAY_ENV, Ledger

CLIENTS = 5
RELEASES = 12


@contextlib.asynccontextmanager
async def workers(bus: BusSettings, ledger: Ledger) -> AsyncIterator[None]:
    try:
        async with contextlib.AsyncExitStack() as stack:
            for service in WORKERS:
                await stack.enter_async_context(serving(noop_app(service, ledger, settings_for(service, bus))))
            yield
    finally:
        await delete_queues(bus, timer_queue(bus))


async def test_sse_clients_resume_across_a_restart(bus_settings: BusSettings, ledger: Ledger,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(DELAY_ENV, "0.2")
    port = free_port()
    api = f"http://127.0.0.1:{port}"
    settings = settings_for("approval", bus_settings, dev_tokens=True)
    progress = asyncio.Condition()
    clients = [Client(api, progress) for _ in range(CLIENTS)]
    async with observer(bus_settings) as store, workers(bus_settings, ledger):
        driver = Driver(api, store)
        first = serving(noop_app("approval", ledger, settings), port)
        await first.__aenter__()
        async with reading(clients):
            async def ship(n: int) -> object:
                await asyncio.sleep(n * 0.1)
                return await driver.ship(f"sse-{n}")

            shipping = asyncio.gather(*(ship(n) for n in range(RELEASES)))
            follow = store.follow(-1, lambda e: len(store.log) >= 30)
            await asyncio.wait_for(anext(follow), 60)
            await follow.aclose()
            before = len(store.log)
            await first.__aexit__(None, None, None)  # the restart: streams end, POSTs fail meanwhile
            down = time.perf_counter()
            async with serving(noop_app("approval", ledger, settings), port):
                up = time.perf_counter() - down
                releases = await shipping
                target = sorted(logged.offset for logged in store.log)
                await reached(clients, progress, target[-1])
    assert [r.state for r in releases] == [S.LIVE] * RELEASES  # type: ignore[attr-defined]
    for client in clients:
        assert client.ids == target, "a gap, a duplicate or a reordering"
        assert client.reconnects >= 1
    print(f"\n{CLIENTS} SSE clients x {len(target)} events, restart after {before} events, API down "
          f"{up * 1000:.0f} ms; every client got each event once, in order (reconnects "
          f"{[c.reconnects for c in clients]}); API retries {driver.retries}")
