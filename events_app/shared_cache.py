"""Fetched results kept in Redis too, so N replicas make one upstream call per TTL instead of N.

In front of each process's own TTLCache, not instead of it: single-flight and stale-while-error stay per process.
A result is stored as the JSON the page and /api/events are built from (each event's fields, `when` included),
with the wall-clock second it expires at: the replicas' clocks, as the search budget's windows, so tests move it.
"""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import Awaitable, Callable
from datetime import datetime
from hashlib import sha256
from typing import Any
from urllib.parse import urlencode

from redis.asyncio import Redis

from .cache import Clock
from .feed import Snapshot
from .query import EventQuery
from .redis_link import RedisLink
from .selection import EventSummary
from .ticketmaster import UpstreamError

# How often a replica that found another one fetching looks for its result.
POLL_S = 0.05
# The lock outlives the holder's fetch (TICKETMASTER_TIMEOUT) by this much: expiring with it, as it did, the others
# took a timed-out fetch for a stopped replica's and called Ticketmaster again before the holder could say it failed.
LOCK_MARGIN_S = 1.0
_RELEASE = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0"


def encode(snapshot: Snapshot, expires_at: float) -> bytes:
    events = [event.model_dump(mode="json") | {"when": event.when} for event in snapshot.events]
    return json.dumps({"events": events, "fetched_at": snapshot.fetched_at.isoformat(), "source": snapshot.source,
                       "partial": snapshot.partial, "expires_at": expires_at}, ensure_ascii=False).encode()


def decode(raw: bytes | str) -> Snapshot:
    data: dict[str, Any] = json.loads(raw)
    return Snapshot(events=tuple(EventSummary.model_validate(event) for event in data["events"]),
                    source=data["source"], fetched_at=datetime.fromisoformat(data["fetched_at"]),
                    partial=bool(data["partial"]), shared_until=float(data["expires_at"]))


class SharedSnapshots:
    def __init__(self, link: RedisLink, *, clock: Clock, ttl_of: Callable[[Snapshot], float],
                 fetch_within: float) -> None:
        self._link = link
        self._clock = clock
        self._ttl_of = ttl_of
        self._fetch_within = fetch_within
        self._release = link.client.register_script(_RELEASE)

    async def load(self, query: EventQuery, fetch: Callable[[EventQuery], Awaitable[Snapshot]]) -> Snapshot:
        """Another replica's fresh result, or ours fetched while the others wait for it."""
        name = sha256(urlencode(query.upstream_params()).encode()).hexdigest()[:32]
        value_key, lock_key = self._link.key(f"result:{name}"), self._link.key(f"fetching:{name}")
        found = await self._fresh(value_key)
        if found is not None:
            return found
        token = secrets.token_hex(8)
        lock_ms = round((self._fetch_within + LOCK_MARGIN_S) * 1000)
        claimed = await self._link.run(lambda c: self._claim(c, lock_key, token, lock_ms))
        if claimed is False:
            found = await self._await_other(value_key, lock_key)
            if found is not None:
                return found
        try:
            snapshot = await fetch(query)  # also when Redis is away, or the other replica stopped
            ttl = self._ttl_of(snapshot)
            if ttl > 0:
                raw = encode(snapshot, self._clock.time() + ttl)
                await self._link.run(lambda c: c.set(value_key, raw, px=max(1, round(ttl * 1000))))
        except UpstreamError:
            if claimed:  # before the release: those waiting read it when the lock goes
                await self._link.run(lambda c: c.set(lock_key + ":failed", token, px=lock_ms))
            raise
        finally:
            if claimed:  # failed or not: the others stop waiting now, not when the lock expires
                await self._link.run(lambda c: self._release(keys=[lock_key], args=[token], client=c))
        return snapshot

    @staticmethod
    async def _claim(client: Redis, lock_key: str, token: str, lock_ms: int) -> bool:
        # SET NX answers nil when another holds the lock; RedisLink.run's None means Redis is away.
        return bool(await client.set(lock_key, token, nx=True, px=lock_ms))

    async def _fresh(self, value_key: str) -> Snapshot | None:
        raw = await self._link.run(lambda c: c.get(value_key))
        if raw is None:
            return None
        try:
            snapshot = decode(raw)
        except (ValueError, KeyError, TypeError):  # not what this version stores: fetch and overwrite it
            return None
        # Redis expires keys on its own clock; what counts is ours (the fetched_at and TTL of every replica).
        return snapshot if snapshot.shared_until is not None and snapshot.shared_until > self._clock.time() else None

    async def _await_other(self, value_key: str, lock_key: str) -> Snapshot | None:
        """Until the replica holding the lock stores its result, gives up or runs out of time.

        A holder whose fetch failed says so (its token under `<lock>:failed`): fetching again then held this visitor
        a second timeout against an API that had just failed, and every replica waiting called it at once.
        """
        loop = asyncio.get_running_loop()  # real time: the lock expires in Redis on it, whatever clock is injected
        deadline = loop.time() + self._fetch_within + LOCK_MARGIN_S
        holder: bytes | str | None = None
        while loop.time() < deadline:
            await asyncio.sleep(POLL_S)
            found = await self._fresh(value_key)
            if found is not None:
                return found
            current = await self._link.run(lambda c: c.get(lock_key))
            if current is None:  # let go of (a stopping replica too), expired, or Redis away
                if holder is not None and await self._link.run(lambda c: c.get(lock_key + ":failed")) == holder:
                    raise UpstreamError("Ticketmaster failed another replica's fetch of this list just now")
                return None
            holder = current
        return None
