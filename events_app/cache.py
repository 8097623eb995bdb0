"""A per-key TTL cache with single-flight loads and stale-while-error fallback."""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from functools import partial
from typing import Generic, Protocol, TypeVar

import structlog

log = structlog.get_logger(__name__)
K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Clock(Protocol):
    """Injected so tests move time instead of sleeping through it."""

    def monotonic(self) -> float: ...

    def time(self) -> float: ...


class SystemClock:
    def monotonic(self) -> float:
        return time.monotonic()

    def time(self) -> float:
        return time.time()


@dataclass(frozen=True, slots=True)
class Lookup(Generic[V]):
    value: V
    hit: bool
    stale: bool


@dataclass(slots=True)
class _Entry(Generic[V]):
    value: V
    expires: float
    stale: bool = False  # kept past its TTL because the refresh failed


class TTLCache(Generic[K, V]):
    """Holds the last good value per key.

    Expired values are kept (up to `max_entries`, least recently used evicted, never `pinned`) because they
    are exactly what stale-while-error needs when the refresh fails with one of `stale_on`. After
    such a failure the stale value stands `stale_retry` seconds before a refresh is tried again:
    an outage costs one upstream call per interval, not one per request. Whoever starts that retry
    waits for it at most `stale_wait` seconds, and requests arriving while it runs not at all.
    `ttl_of`, when given, sets a value's TTL from the value itself (a partial result lives shorter).
    """

    def __init__(
        self,
        ttl: float,
        max_entries: int,
        clock: Clock,
        stale_on: tuple[type[BaseException], ...] = (),
        stale_retry: float = 0.0,
        stale_wait: float = 1.0,
        ttl_of: Callable[[V], float] | None = None,
        pinned: K | None = None,
    ) -> None:
        self._ttl_of = ttl_of or (lambda _: ttl)
        self._pinned = pinned
        self._stale_retry = stale_retry
        self._stale_wait = stale_wait
        self._max_entries = max_entries
        self._clock = clock
        self._stale_on = stale_on
        self._entries: OrderedDict[K, _Entry[V]] = OrderedDict()
        self._inflight: dict[K, asyncio.Task[V]] = {}

    def __len__(self) -> int:
        return len(self._entries)

    async def get(self, key: K, load: Callable[[K], Awaitable[V]]) -> Lookup[V]:
        entry = self._entries.get(key)
        if entry is not None and self._clock.monotonic() < entry.expires:
            self._entries.move_to_end(key)
            return Lookup(entry.value, hit=True, stale=entry.stale)
        task = self._inflight.get(key)
        joined = task is not None
        if task is None:
            task = asyncio.create_task(self._load(key, load), name=f"cache-load:{key!r:.80}")
            self._inflight[key] = task
            task.add_done_callback(partial(self._forget, key))
        if entry is not None and entry.stale:
            # The last refresh failed, so this retry may well hang for the whole upstream timeout: joining it
            # held every visitor of an outage's retry window that long, for the stale value they get anyway.
            if joined:
                return Lookup(entry.value, hit=False, stale=True)
            done, _ = await asyncio.wait({task}, timeout=self._stale_wait)  # leaves the task running
            if not done:
                return Lookup(entry.value, hit=False, stale=True)
        try:
            # Shielded: one impatient caller going away must not cancel the load the others await.
            value = await asyncio.shield(task)
        except self._stale_on:
            entry = self._entries.get(key)
            if entry is None:
                raise
            return Lookup(entry.value, hit=False, stale=True)
        return Lookup(value, hit=False, stale=False)

    async def _load(self, key: K, load: Callable[[K], Awaitable[V]]) -> V:
        try:
            value = await load(key)
        except self._stale_on as exc:
            # Here, not in get(): a retry nobody waits for to the end must still set when to try again.
            entry = self._entries.get(key)
            if entry is not None:
                log.warning("serving_stale", key=repr(key), reason=type(exc).__name__, retry_in=self._stale_retry)
                entry.stale = True
                entry.expires = max(entry.expires, self._clock.monotonic() + self._stale_retry)
            raise
        except Exception:
            entry = self._entries.get(key)
            if entry is not None:
                entry.stale = False  # not transient (an invalid key): the next request waits and is told
            raise
        self._entries[key] = _Entry(value, self._clock.monotonic() + self._ttl_of(value))
        self._entries.move_to_end(key)
        while len(self._entries) > self._max_entries:
            if next(iter(self._entries)) == self._pinned:
                # The home page's last good data is what an outage shows most visitors: searches never push it out.
                self._entries.move_to_end(self._pinned)
            self._entries.popitem(last=False)
        return value

    def _forget(self, key: K, task: asyncio.Task[V]) -> None:
        if self._inflight.get(key) is task:
            del self._inflight[key]
        if not task.cancelled():
            # Marks the error as seen even if every waiter left before it arrived.
            task.exception()

    async def aclose(self) -> None:
        tasks = list(self._inflight.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
