"""A 429 that lands while requests wait at the rate limiter stops them too: no call until the reset."""

from __future__ import annotations

import asyncio

import pytest
from aiolimiter import AsyncLimiter
from conftest import FakeClock, MakeClient
from tm_stub import StubTicketmaster, rate_limited

import events_app.app

QUEUED = 3
# One call per 2 s: the first queued request gets its turn 2 s after the held call went out, far longer than
# releasing the hold and carrying the 429 back takes even on a loaded machine, so the 429 lands while they all
# still wait. A faster limiter would let one through before the 429, failing the real code.
MAX_RPS = 0.5


class LimiterArrivals:
    """Counts callers reaching the app's limiter: each has passed the back-off check made before queueing."""

    def __init__(self) -> None:
        self.count = 0
        self._changed = asyncio.Condition()

    async def arrived(self) -> None:
        async with self._changed:
            self.count += 1
            self._changed.notify_all()

    async def wait_for(self, count: int, timeout: float) -> None:
        async with asyncio.timeout(timeout), self._changed:  # not wait_for: services/shared/timeouts.py
            await self._changed.wait_for(lambda: self.count >= count)


@pytest.fixture
def limiter_arrivals(monkeypatch: pytest.MonkeyPatch) -> LimiterArrivals:
    # The stub sees only calls that got past the limiter; nothing else tells when a request is queued at it.
    arrivals = LimiterArrivals()

    class ObservedLimiter(AsyncLimiter):
        async def acquire(self, amount: float = 1) -> None:
            await arrivals.arrived()
            await super().acquire(amount)

    monkeypatch.setattr(events_app.app, "AsyncLimiter", ObservedLimiter)
    return arrivals


async def test_429_stops_requests_already_queued_at_the_limiter(make_client: MakeClient, stub: StubTicketmaster,
                                                                clock: FakeClock, limiter_arrivals: LimiterArrivals,
                                                                ) -> None:
    client = await make_client(events_page_size=50, ticketmaster_max_rps=MAX_RPS, ticketmaster_timeout=60.0)
    stub.hold = asyncio.Event()
    stub.script.append(rate_limited(int((clock.wall + 30) * 1000)))
    # Distinct queries, so single-flight cannot merge them and none has stale data to fall back on.
    requests = [asyncio.create_task(client.get("/api/events", params={"keyword": f"k{n}"})) for n in range(QUEUED + 1)]
    # One call is out (held at the stub) and the rest wait their turn, past the first back-off check.
    await stub.wait_for_calls(1, timeout=30)
    await limiter_arrivals.wait_for(QUEUED + 1, timeout=30)
    assert len(stub.calls) == 1
    stub.hold.set()
    responses = await asyncio.wait_for(asyncio.gather(*requests), 60)
    # The fake clock stands still, so every queued turn comes up inside the 30 s window.
    assert len(stub.calls) == 1
    assert [r.status for r in responses] == [503] * (QUEUED + 1)
    assert [r.headers["Retry-After"] for r in responses] == ["30"] * (QUEUED + 1)
    assert [(await r.json())["error"] for r in responses] == ["rate_limited"] * (QUEUED + 1)
