"""The top-20 feed: pages through a source, picks what is for sale, caches per query."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import structlog

from .budget import SearchBudget
from .cache import Clock, TTLCache
from .metrics import Metrics
from .models import Event, EventPage
from .query import EventQuery
from .selection import TOP_N, EventSummary, add_for_sale, next_page, summarize
from .ticketmaster import EventSource, RateLimited, UpstreamError

if TYPE_CHECKING:
    from .shared_cache import SharedSnapshots

log = structlog.get_logger(__name__)


@dataclass(eq=False)
class Snapshot:
    """One fetched result; `rendered` memoises response bodies, which never change for it."""

    events: tuple[EventSummary, ...]
    source: str
    fetched_at: datetime
    partial: bool = False  # a later page failed: fewer events than the API has, kept only briefly
    shared_until: float | None = None  # wall clock; set when another replica fetched it (read from Redis)
    rendered: dict[str, bytes] = field(default_factory=dict, repr=False)


@dataclass(frozen=True, slots=True)
class FeedResult:
    snapshot: Snapshot
    stale: bool


class EventFeed:
    def __init__(
        self,
        source: EventSource,
        *,
        clock: Clock,
        metrics: Metrics,
        ttl: float,
        max_entries: int,
        page_size: int,
        max_pages: int,
        stale_retry: float = 0.0,
        stale_wait: float = 1.0,
        top_up_within: float | None = None,
        default_query: EventQuery | None = None,
        partial_ttl: float | None = None,
        search_budget: SearchBudget | None = None,
    ) -> None:
        self.source = source
        self._default_query = default_query
        self._search_budget = search_budget
        self._top_up_within = top_up_within
        self._clock = clock
        self._metrics = metrics
        self._page_size = page_size
        self._max_pages = max_pages
        self._ttl, self._partial_ttl = ttl, partial_ttl
        self.shared: SharedSnapshots | None = None  # set by the app when EVENTS_REDIS_URL is
        self._cache: TTLCache[EventQuery, Snapshot] = TTLCache(
            ttl, max_entries, clock, stale_on=(UpstreamError,), stale_retry=stale_retry,
            stale_wait=stale_wait, pinned=default_query, ttl_of=self._local_ttl,
        )

    def fresh_for(self, snap: Snapshot) -> float:
        """Seconds a result just fetched is served from cache."""
        # The next visitor after a few seconds gets the whole list, not every visitor for a full TTL.
        return min(self._ttl, self._partial_ttl) if snap.partial and self._partial_ttl is not None else self._ttl

    def _local_ttl(self, snap: Snapshot) -> float:
        if snap.shared_until is None:
            return self.fresh_for(snap)
        # Another replica's result expires when it does there: all replicas then refresh once, together.
        return max(0.0, min(self.fresh_for(snap), snap.shared_until - self._clock.time()))

    def has_data(self) -> bool:
        return len(self._cache) > 0

    async def get(self, query: EventQuery) -> FeedResult:
        lookup = await self._cache.get(query, self._load)
        if not lookup.hit:
            self._metrics.cache_misses.inc()
        elif not lookup.stale:  # a stale hit (waiting out a failed refresh) counts as stale only
            self._metrics.cache_hits.inc()
        if lookup.stale:
            self._metrics.stale_served.inc()
        return FeedResult(lookup.value, lookup.stale)

    async def _load(self, query: EventQuery) -> Snapshot:
        if self.shared is None:
            return await self._fetch(query)
        return await self.shared.load(query, self._fetch)

    async def _fetch(self, query: EventQuery) -> Snapshot:
        now = datetime.fromtimestamp(self._clock.time(), UTC)
        chosen: dict[str, Event] = {}
        page: int | None = 0
        fetched = 0
        partial = False
        # Each call has its own timeout; without one for the top-up a slow API (or a queue at the rate limit)
        # held the visitor for every page in turn, up to max_pages timeouts for one refresh.
        loop = asyncio.get_running_loop()
        deadline = None if self._top_up_within is None else loop.time() + self._top_up_within
        while page is not None and len(chosen) < TOP_N and fetched < self._max_pages:
            try:
                result = await self._page(query, page, deadline if fetched else None)
            except (UpstreamError, TimeoutError) as exc:
                if fetched == 0:
                    raise
                # Later pages only top up the list; what we already have is worth showing.
                log.warning("partial_result", pages=fetched, events=len(chosen), reason=type(exc).__name__)
                partial = True
                break
            fetched += 1
            add_for_sale(chosen, result.events, now)
            page = next_page(result.page, page, self._page_size)
        return Snapshot(
            events=tuple(summarize(event) for event in chosen.values()),
            source=self.source.name,
            fetched_at=now,
            partial=partial,
        )

    async def _page(self, query: EventQuery, page: int, deadline: float | None) -> EventPage:
        budget = self._search_budget if query != self._default_query else None  # the home page's: never refused
        spent: object = None
        if budget is not None:
            # Not while a 429 keeps every call off: the refused search would spend a call never made. Before the
            # wait at the rate limit, so that a search past its budget takes no call's turn there.
            self.source.check_backoff()
            spent = await budget.take()
        try:
            async with asyncio.timeout_at(deadline):
                return await self.source.fetch_page(query, page, self._page_size)
        except RateLimited as exc:
            if budget is not None and exc.unsent:  # a 429 answered to another call while this one waited
                await budget.give_back(spent)
            raise

    async def aclose(self) -> None:
        await self._cache.aclose()
