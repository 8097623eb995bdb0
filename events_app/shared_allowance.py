"""The search budget and the per-second ceiling counted in Redis, so every replica on one key spends one allowance.

Each decision is one Lua script: Redis runs it atomically, so two replicas can never both take the last call.
While Redis is away (RedisLink answers None) each process falls back to its own allowance, which it keeps
counting all along: a fallback mid-window continues from what this process spent, never from zero.
"""

from __future__ import annotations

import asyncio

from aiolimiter import AsyncLimiter

from .budget import CallBudget, SearchBudgetExhausted
from .cache import Clock
from .redis_link import RedisLink

# Windows as CallBudget's: one starts with the first call after the last one ended. `now` is the replicas' wall
# clock (NTP keeps it within milliseconds; windows last minutes), injected so tests can move it.
_BUDGET = """
local now, window, limit = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local start = tonumber(redis.call('HGET', KEYS[1], 'start'))
if start == nil or now - start >= window then
  start = now
  redis.call('HSET', KEYS[1], 'start', ARGV[1], 'spent', 0)
  redis.call('PEXPIRE', KEYS[1], math.ceil(window * 1000))
end
if tonumber(redis.call('HGET', KEYS[1], 'spent')) >= limit then
  return tostring(start + window - now)
end
redis.call('HINCRBY', KEYS[1], 'spent', 1)
return 'ok:' .. redis.call('HGET', KEYS[1], 'start')
"""
# A call given back, only to the window it was spent in (the start as stored: Lua's tostring would round it).
_REFUND = """
if redis.call('HGET', KEYS[1], 'start') == ARGV[1] and tonumber(redis.call('HGET', KEYS[1], 'spent')) > 0 then
  redis.call('HINCRBY', KEYS[1], 'spent', -1)
end
return 1
"""

# One call every `interval` microseconds on Redis's own clock (slots are milliseconds apart, closer than two hosts'
# clocks agree). Granted only to a caller that is ready now, as aiolimiter does, never reserved ahead: a reserved
# slot whose caller woke late (a busy loop) moved nothing back, and the next replica's call then came too soon.
_RATE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local free = tonumber(redis.call('GET', KEYS[1]) or '0')
if now < free then return free - now end
redis.call('SET', KEYS[1], now + tonumber(ARGV[1]), 'PX', math.ceil(tonumber(ARGV[1]) / 1000) + 1000)
return 0
"""


class SharedBudget:
    """EVENTS_SEARCH_BUDGET per window for all replicas together while Redis answers; per process otherwise."""

    def __init__(self, link: RedisLink, local: CallBudget, *, limit: int, window: float, clock: Clock) -> None:
        self._link = link
        self._local = local
        self._args = (limit, window)
        self._clock = clock
        self._key = link.key("search-budget")
        self._script = link.client.register_script(_BUDGET)
        self._refund = link.client.register_script(_REFUND)

    async def take(self) -> object:
        """(the shared window's start or None: spent locally, Redis away; the local window)."""
        limit, window = self._args
        args: list[str | int] = [repr(self._clock.time()), repr(window), limit]
        answer = await self._link.run(lambda client: self._script(keys=[self._key], args=args, client=client))
        if answer is None:
            return None, await self._local.take()
        text = answer.decode() if isinstance(answer, bytes) else str(answer)
        if not text.startswith("ok:"):
            raise SearchBudgetExhausted(max(1.0, float(text)))
        return text.removeprefix("ok:"), self._local.note()

    async def give_back(self, spent: object) -> None:
        shared, local = spent if isinstance(spent, tuple) else (None, None)
        await self._local.give_back(local)
        if shared is not None:  # Redis away now: the shared unit stays spent (the window's end frees it)
            await self._link.run(lambda client: self._refund(keys=[self._key], args=[shared], client=client))


class SharedRateLimiter:
    """TICKETMASTER_MAX_RPS for all replicas together; this process's own limiter always applies as well."""

    def __init__(self, link: RedisLink, local: AsyncLimiter, *, rps: float) -> None:
        self._link = link
        self._local = local
        self._interval = max(1, round(1_000_000 / rps))
        self._key = link.key("rate")
        self._script = link.client.register_script(_RATE)

    async def acquire(self) -> None:
        # First the local ceiling: a process never goes faster than without Redis, up, down or in between.
        await self._local.acquire()
        # Until granted: the caller's own timeout (TICKETMASTER_TIMEOUT) bounds the wait, as it bounds aiolimiter's.
        while True:
            wait = await self._link.run(lambda c: self._script(keys=[self._key], args=[self._interval], client=c))
            if not wait:  # granted, or Redis away (the local limiter has already spaced this call)
                return
            await asyncio.sleep(wait / 1_000_000)  # until the slot frees: Redis says when, nobody can notify us
