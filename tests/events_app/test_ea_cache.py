"""TTLCache on its own: single-flight, cancellation, stale fallback, eviction, shutdown."""

from __future__ import annotations

import asyncio

import pytest
from conftest import FakeClock

from events_app.cache import TTLCache


class Boom(Exception):
    pass


class Loader:
    def __init__(self) -> None:
        self.calls = 0
        self.release = asyncio.Event()
        self.started = asyncio.Event()
        self.error: BaseException | None = None

    async def __call__(self, key: str) -> str:
        self.calls += 1
        self.started.set()
        await self.release.wait()
        if self.error is not None:
            raise self.error
        return f"{key}#{self.calls}"


def make_cache(clock: FakeClock, max_entries: int = 8) -> TTLCache[str, str]:
    return TTLCache(ttl=10, max_entries=max_entries, clock=clock, stale_on=(Boom,))


async def test_waiters_share_one_load(clock: FakeClock) -> None:
    cache, load = make_cache(clock), Loader()
    waiters = [asyncio.create_task(cache.get("k", load)) for _ in range(10)]
    await asyncio.wait_for(load.started.wait(), 1)
    load.release.set()
    results = await asyncio.gather(*waiters)
    assert load.calls == 1
    assert {r.value for r in results} == {"k#1"}
    assert not any(r.hit or r.stale for r in results)
    assert (await cache.get("k", load)).hit


async def test_a_cancelled_waiter_does_not_cancel_the_load(clock: FakeClock) -> None:
    cache, load = make_cache(clock), Loader()
    impatient = asyncio.create_task(cache.get("k", load))
    patient = asyncio.create_task(cache.get("k", load))
    await asyncio.wait_for(load.started.wait(), 1)
    impatient.cancel()
    load.release.set()
    assert (await patient).value == "k#1"
    with pytest.raises(asyncio.CancelledError):
        await impatient


async def test_failure_reaches_every_waiter_and_is_not_cached(clock: FakeClock) -> None:
    cache, load = make_cache(clock), Loader()
    load.error = Boom()
    waiters = [asyncio.create_task(cache.get("k", load)) for _ in range(3)]
    load.release.set()
    results = await asyncio.gather(*waiters, return_exceptions=True)
    assert all(isinstance(r, Boom) for r in results)
    load.error = None
    assert (await cache.get("k", load)).value == "k#2"


async def test_stale_value_stands_in_for_listed_errors_only(clock: FakeClock) -> None:
    cache, load = make_cache(clock), Loader()
    load.release.set()
    await cache.get("k", load)
    clock.advance(11)
    load.error = Boom()
    stale = await cache.get("k", load)
    assert (stale.value, stale.stale, stale.hit) == ("k#1", True, False)
    load.error = KeyError("not transient")
    with pytest.raises(KeyError):
        await cache.get("k", load)


async def test_least_recently_used_is_evicted(clock: FakeClock) -> None:
    cache, load = make_cache(clock, max_entries=2), Loader()
    load.release.set()
    await cache.get("a", load)
    await cache.get("b", load)
    await cache.get("a", load)  # a is now the most recent
    await cache.get("c", load)
    assert len(cache) == 2
    assert (await cache.get("a", load)).hit
    assert not (await cache.get("b", load)).hit


async def test_aclose_cancels_loads_in_flight(clock: FakeClock) -> None:
    cache, load = make_cache(clock), Loader()
    waiter = asyncio.create_task(cache.get("k", load))
    await asyncio.wait_for(load.started.wait(), 1)
    await cache.aclose()
    with pytest.raises(asyncio.CancelledError):
        await waiter
