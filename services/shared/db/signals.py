"""What a process's waiters hear of the read model moving: folds, and deliveries to its own projector.

Kept apart from the reads and writes (`release_reads.py`, `releases.py`) because it is in-memory coordination only,
no SQL: the projector bumps `version` at each commit and calls `delivered` for each message; the API's approval gate,
SSE streams and `settle` wait on them. Another replica's writes reach a waiter only through its standby's follow.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterator, Sequence

from services.shared.db.arrivals import Arrivals, continuing
from services.shared.db.fold import Item
from services.shared.events import ReleaseEvent
from services.shared.protocol import IN_FLIGHT
from services.shared.timeouts import bounded


class FoldSignals:
    def __init__(self) -> None:
        self._changed = asyncio.Condition()
        self._version = 0  # bumped by every notify, so a wake-up between a query and the wait is not lost
        self.arrivals: Arrivals | None = None  # set by this process's projector while it leads (arrivals.py)
        self.hurry: Callable[[], None] | None = None  # the same projector's: fold its deliveries now
        self._watchers: dict[str, set[asyncio.Event]] = {}  # release id -> `watching` callers

    async def notify(self) -> None:
        async with self._changed:
            self._version += 1
            self._changed.notify_all()

    @property
    def version(self) -> int:
        """Read before a query, then handed to `changed`: a fold between the two still wakes the waiter."""
        return self._version

    async def changed(self, since: int, timeout: float) -> None:
        """Until the read model moved past `version` `since`, or `timeout` seconds. Woken by this process's
        projector; another replica's writes are seen within its standby's follow interval."""
        async with self._changed:
            with contextlib.suppress(TimeoutError):
                await bounded(self._changed.wait_for(lambda: self._version != since), timeout)

    @property
    def projecting(self) -> bool:
        """This process's projector leads: it is delivered every event of the log and folds it."""
        return self.arrivals is not None

    @contextlib.contextmanager
    def watching(self, release_id: str) -> Iterator[asyncio.Event]:
        """An event set at each delivery of one of the release's events to this process's leading projector, for as
        long as the caller holds it (see `moved`)."""
        delivered = asyncio.Event()
        watchers = self._watchers.setdefault(release_id, set())
        watchers.add(delivered)
        try:
            yield delivered
        finally:
            watchers.discard(delivered)
            if not watchers:
                del self._watchers[release_id]

    def delivered(self, release_id: str) -> None:
        """Called by the leading projector for each event the log delivers to it, before its fold."""
        for delivered in self._watchers.get(release_id, ()):
            delivered.set()

    async def moved(self, delivered: asyncio.Event, since: int, timeout: float) -> None:
        """Until the release `watching` gave `delivered` for may have moved, or `timeout` seconds. While this process
        projects: one of its events was delivered here (`arrived` shows it until its fold). Waking at every fold
        instead made hundreds of waiting decisions read the database again at each batch of other releases (the
        API's gate reads were a sixth of its CPU with 300 releases at once). Standing by: any fold another process
        made (`changed`); another replica's own records are only seen by looking again after `timeout`."""
        if not self.projecting:
            await self.changed(since, timeout)
            return
        with contextlib.suppress(TimeoutError):
            await bounded(delivered.wait(), timeout)

    def arrived(self, release_id: str) -> list[Item]:
        """The release's events delivered to this process's projector and not folded yet, as of now."""
        return self.arrivals(release_id) if self.arrivals is not None else []

    async def settle(self, release_id: str, timeout: float = 5.0) -> bool:
        """If this process's projector was delivered an event that takes the release out of flight and has not
        folded it yet (its batch is being committed), fold it now and wait for that; True if so. A client that saw
        a release end on the log may ask for the app's next one at once."""
        arrived = self.arrived(release_id)
        if self.hurry is None or all(item.event.state in IN_FLIGHT for item in arrived):
            return False
        waiting = {item.offset for item in arrived}
        self.hurry()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                while True:
                    version = self.version
                    if not waiting & {item.offset for item in self.arrived(release_id)}:
                        break
                    await self.changed(version, timeout)
        return True

    def ahead_of(self, latest: ReleaseEvent, seen: Sequence[Item] = ()) -> list[Item]:
        """The release's events after `latest` delivered to this process's projector and not folded yet, with
        `seen`: what `arrived` gave just before `latest` was read. A batch that commits during that read leaves the
        projector's hands, yet the read's snapshot may predate it; without `seen` the gate would then wait for a
        fold that already happened and read again."""
        by_offset = {item.offset: item for item in (*seen, *self.arrived(latest.release_id))}
        return continuing(latest, sorted(by_offset.values(), key=lambda item: item.offset or 0))
