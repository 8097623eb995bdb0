"""The current state of every release, folded from events; order-insensitive and duplicate-proof."""

from __future__ import annotations

import asyncio
import bisect
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

from services.shared.events import ReleaseEvent
from services.shared.protocol import IN_FLIGHT, ReleaseState
from services.shared.release import Release


@dataclass(frozen=True)
class LoggedEvent:
    offset: int  # position in the release log: the SSE event id, so a client can resume
    event: ReleaseEvent
    note: str | None = None  # why the read model did not fold it (a conflicting twin, ...); None if it did


@dataclass
class ReleaseStore:
    releases: dict[str, Release] = field(default_factory=dict)
    history: dict[str, list[LoggedEvent]] = field(default_factory=dict)
    log: list[LoggedEvent] = field(default_factory=list)
    last_offset: int = -1
    # release id -> latest snapshot, per app: the per-request checks (409, live) stay O(releases of the app).
    _by_app: dict[str, dict[str, Release]] = field(default_factory=dict)
    _changed: asyncio.Condition = field(default_factory=asyncio.Condition)

    def apply(self, event: ReleaseEvent, offset: int | None = None) -> bool:
        """Fold one event. A duplicate (same release and seq) changes nothing; returns whether it was new."""
        seen = self.history.setdefault(event.release_id, [])
        if any(e.event.seq == event.seq for e in seen):
            return False
        if offset is not None:
            logged = LoggedEvent(offset, event)
            seen.append(logged)
            seen.sort(key=lambda e: e.event.seq)
            self.log.append(logged)
            self.last_offset = max(self.last_offset, offset)
        self.remember(event)
        return True

    def remember(self, event: ReleaseEvent) -> None:
        """Apply a just-published event before the log echoes it, so a reply reflects the caller's write."""
        current = self.releases.get(event.release_id)
        if current is None or event.seq > current.seq:
            self.releases[event.release_id] = event.release
            self._by_app.setdefault(event.app, {})[event.release_id] = event.release

    async def notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    def get(self, release_id: str) -> Release | None:
        return self.releases.get(release_id)

    def of_app(self, app: str) -> list[Release]:
        return sorted(self._by_app.get(app, {}).values(),
                      key=lambda r: r.created_at, reverse=True)

    def in_flight(self, app: str) -> Release | None:
        return next((r for r in self.of_app(app) if r.state in IN_FLIGHT), None)

    def live(self, app: str) -> Release | None:
        return next((r for r in self.of_app(app) if r.state == ReleaseState.LIVE), None)

    async def follow(self, after: int, match: Callable[[ReleaseEvent], bool]) -> AsyncIterator[LoggedEvent]:
        """Every logged event after `after` that matches, history first, then live as it arrives."""
        # The log is in offset order: start at the first entry after `after` instead of scanning it all.
        position = bisect.bisect_right(self.log, after, key=lambda logged: logged.offset)
        while True:
            while position < len(self.log):
                logged = self.log[position]
                position += 1
                if logged.offset > after and match(logged.event):
                    yield logged
            async with self._changed:
                await self._changed.wait_for(lambda seen=position: seen < len(self.log))  # type: ignore[misc]
