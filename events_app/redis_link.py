"""The optional Redis that every replica shares, and what to do while it is away: the per-process allowance."""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from typing import TypeVar

import structlog
from prometheus_client import Gauge
from pydantic import SecretStr
from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError
from yarl import URL

from .cache import Clock

log = structlog.get_logger(__name__)
T = TypeVar("T")
# Bumped when a stored value's shape changes, so an older colour never reads a newer one's entries.
SCHEMA = "v1"


class RedisLink:
    """Runs one Redis operation at a time on behalf of the allowance; `None` means "decide locally".

    After a failure Redis is left alone for `retry_after` seconds: an outage costs each request nothing, not a
    connect timeout. The first failure logs one warning, the first success after it one info line.
    """

    def __init__(self, url: SecretStr, *, prefix: str, api_key: SecretStr | None, timeout: float, clock: Clock,
                 up: Gauge, retry_after: float = 5.0) -> None:
        self.client: Redis = Redis.from_url(
            url.get_secret_value(), socket_timeout=timeout, socket_connect_timeout=timeout,
            # No retries of its own: a failed call falls back to the local allowance at once, not after backoffs.
            retry=Retry(NoBackoff(), 0),
        )
        # Only where it is: the URL's password is a secret, and so are the user name and query string.
        parsed = URL(url.get_secret_value())
        self.where = parsed.path if parsed.scheme == "unix" else f"{parsed.host}:{parsed.port or 6379}"
        # Per Ticketmaster key: the quota is the key's, and two keys must not share (or see) one allowance.
        key_tag = hashlib.sha256(api_key.get_secret_value().encode()).hexdigest()[:12] if api_key else "nokey"
        self.prefix = f"{prefix}{SCHEMA}:{key_tag}:"
        self._clock = clock
        self._retry_after = retry_after
        self._down_until: float | None = None  # monotonic; None while Redis answers
        self._up = up
        up.set(1)  # until a call finds otherwise: only a call can tell

    @property
    def up(self) -> bool:
        return self._down_until is None

    def key(self, name: str) -> str:
        return self.prefix + name

    async def run(self, operation: Callable[[Redis], Awaitable[T]]) -> T | None:
        if self._down_until is not None and self._clock.monotonic() < self._down_until:
            return None
        try:
            result = await operation(self.client)
        except (RedisError, OSError, TimeoutError) as exc:
            if self._down_until is None:
                # Only the class: a connection error's text can carry the address, never the URL, but stay safe.
                log.warning("shared_allowance_unavailable", redis=self.where, error=type(exc).__name__,
                            fallback="per-process allowance", retry_in=self._retry_after)
            self._down_until = self._clock.monotonic() + self._retry_after
            self._up.set(0)
            return None
        if self._down_until is not None:
            log.info("shared_allowance_restored", redis=self.where)
            self._down_until = None
            self._up.set(1)
        return result

    async def aclose(self) -> None:
        await self.client.aclose()
