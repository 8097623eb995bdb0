"""Where events come from: the EventSource interface and its Discovery API adapter."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from typing import Protocol

import aiohttp
import structlog
from pydantic import SecretStr
from yarl import URL

from .backoff import blocked_until
from .cache import Clock
from .metrics import Metrics
from .models import EventPage, parse_page
from .query import EventQuery

log = structlog.get_logger(__name__)


class UpstreamError(Exception):
    """A transient failure: the last good data may stand in for the answer."""

    status = 502


class UpstreamTimeout(UpstreamError):
    status = 504


class RateLimited(UpstreamError):
    status = 503

    def __init__(self, retry_after: float, *, unsent: bool = False) -> None:
        super().__init__(f"Ticketmaster rate limit reached; retry in {retry_after:.0f} s")
        self.retry_after = retry_after
        self.unsent = unsent  # refused before the call went out (a back-off found): a search's unit is given back


class InvalidApiKey(Exception):
    """Not transient: stale data would only hide a key that will never work again."""

    status = 502
    message = "The Ticketmaster API key is invalid (401 Invalid ApiKey): check TICKETMASTER_API_KEY."


class Limiter(Protocol):
    """aiolimiter's AsyncLimiter, or the one shared through Redis."""

    async def acquire(self) -> None: ...


class EventSource(Protocol):
    name: str

    def check_backoff(self) -> None:
        """Raises RateLimited while the source is backing off: a search then spends none of its budget."""

    async def fetch_page(self, query: EventQuery, page: int, size: int) -> EventPage: ...


class TicketmasterClient:
    """Calls {base}/events.json through one shared session, limiter and 429 back-off."""

    name = "ticketmaster"

    def __init__(
        self,
        session: aiohttp.ClientSession,
        *,
        base_url: str,
        api_key: SecretStr,
        limiter: Limiter,
        timeout: float,
        clock: Clock,
        metrics: Metrics,
    ) -> None:
        self._session = session
        self._endpoint = URL(base_url.rstrip("/") + "/events.json")
        self._api_key = api_key
        self._limiter = limiter
        self._timeout = timeout
        self._clock = clock
        self._metrics = metrics
        self._blocked_until = 0.0  # wall-clock seconds, as Rate-Limit-Reset is

    def check_backoff(self) -> None:
        """Raises RateLimited while a 429 keeps calls off."""
        remaining = self._blocked_until - self._clock.time()
        if remaining > 0:
            raise RateLimited(remaining, unsent=True)

    async def fetch_page(self, query: EventQuery, page: int, size: int) -> EventPage:
        # The key joins the URL only inside the request, so no logged URL can carry it.
        url = self._endpoint.with_query([*query.upstream_params(), ("page", str(page)), ("size", str(size))])
        bound = log.bind(url=str(url))
        self.check_backoff()
        sent = False
        try:
            async with asyncio.timeout(self._timeout):
                await self._limiter.acquire()
                self.check_backoff()  # a 429 may have arrived while we queued
                sent = True
                secret = {"apikey": self._api_key.get_secret_value()}
                async with self._session.get(url, params=secret) as resp:
                    status, headers, body = resp.status, resp.headers, await resp.read()
        except TimeoutError:
            self._failed("timeout" if sent else "queue_timeout", bound)
            raise UpstreamTimeout("Ticketmaster did not answer in time") from None
        except aiohttp.ClientError as exc:
            # Only the class name: some aiohttp errors carry the request URL, key included.
            self._failed("connection", bound, error=type(exc).__name__)
            raise UpstreamError("Ticketmaster could not be reached") from None
        self._metrics.upstream_calls.labels(str(status)).inc()
        if status == 401:
            self._failed("invalid_key", bound, status=status)
            raise InvalidApiKey(InvalidApiKey.message)
        if status == 429:
            delay = self._back_off(headers, body)
            self._failed("rate_limited", bound, status=status, retry_after=round(delay, 3))
            raise RateLimited(delay)
        if status != 200:
            self._failed("http_status", bound, status=status)
            raise UpstreamError(f"Ticketmaster answered HTTP {status}")
        try:
            parsed = parse_page(json.loads(body))
        except (ValueError, RecursionError) as exc:  # RecursionError: nested deeper than the interpreter goes
            self._failed("malformed", bound, error=str(exc)[:200])
            raise UpstreamError("Ticketmaster sent a malformed response") from None
        bound.debug("upstream_page", events=len(parsed.events))
        return parsed

    def _back_off(self, headers: Mapping[str, str], body: bytes) -> float:
        now = self._clock.time()
        self._blocked_until = blocked_until(headers, now, body)
        return self._blocked_until - now

    def _failed(self, reason: str, bound: structlog.typing.FilteringBoundLogger, **details: object) -> None:
        if reason in ("timeout", "connection"):  # a call went out but no status came back
            self._metrics.upstream_calls.labels("error").inc()
        self._metrics.upstream_errors.labels(reason).inc()
        bound.warning("upstream_failed", reason=reason, **details)
