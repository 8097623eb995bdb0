"""What the switcher tells the world: its events, the scale-down timers, and other releases' next events.

Another release's next event (`superseded`, a restored `live`) continues that release's seq, which
the switcher reads from the read model (services/shared/db), where it also records its own events.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from contextvars import ContextVar
from typing import TypeVar

import structlog

from services.shared.bus import Bus
from services.shared.db.fold_release import refused
from services.shared.db.releases import ReleaseDatabase
from services.shared.ended import ReleaseEnded
from services.shared.events import ReleaseEvent
from services.shared.protocol import WORK_QUEUES, ReleaseState
from services.shared.release import Colour, Release
from services.switcher.timers import Timers

log = structlog.get_logger(__name__)
SERVICE = "switcher"
SCALE_DOWN = "scale-down"
CATCH_UP = 5.0  # seconds a rollback waits for the read model to show what the switch before it published
# States a service acts on in a way that can come back here and read what this handler recorded (`verifying`: the
# analysis service's `rolling_back`, whose rollback reads the `superseded` before it). The notifier only tells
# people: recording before its `live` put a transaction on every switch's critical path (6.8 ms of 36 under the
# orchestration bench) for nothing it reads.
ACTED_ON = frozenset(state for service, states in WORK_QUEUES.items() if service != "notifier" for state in states)
# What the handler running in this context published and has not recorded yet (see Announcer.recording).
_PUBLISHED: ContextVar[list[ReleaseEvent] | None] = ContextVar("switcher_published", default=None)
T = TypeVar("T")


class Refused(Exception):
    """A switch or rollback that must not happen; the message is the reason recorded in the event."""


class Announcer:
    def __init__(self, timers: Timers, store: ReleaseDatabase, scale_down_delay: float) -> None:
        self.timers = timers
        self.store = store
        self.scale_down_delay = scale_down_delay

    async def publish(self, bus: Bus, event: ReleaseEvent) -> None:
        """Published, then recorded: our own next decision must see it before the log echoes it. Within
        `recording`, records wait until they are needed: before the handler publishes an event another service
        acts on (`verifying` makes the analysis service publish `rolling_back`, whose handler here reads the
        `superseded` published just before), everything published so far is recorded in one transaction, and
        the rest before the ack. One transaction per event used to sit on the switch's critical path."""
        published = _PUBLISHED.get()
        if published is None:
            await bus.publish(event)
            await self.store.record(event)
            return
        if published and event.state in ACTED_ON:
            await self.store.record_all(published)
            published.clear()
        try:
            await bus.publish(event)
        except ReleaseEnded:
            # Ended under a switch after its flip (an abort): the put-back next under the app's hold reads what the
            # switch published (the `superseded` it makes live again), so it is recorded before the hold is let go.
            await self.store.record_all(published)
            published.clear()
            raise
        published.append(event)

    @contextlib.asynccontextmanager
    async def recording(self) -> AsyncIterator[None]:
        published: list[ReleaseEvent] = []
        token = _PUBLISHED.set(published)
        try:
            yield
        finally:
            _PUBLISHED.reset(token)
            await self.store.record_all(published)  # what was published, even if a later step failed

    async def retire_later(self, event: ReleaseEvent, colour: Colour, release_id: str | None,
                           while_live: str) -> None:
        """A timer, carried by a copy of `event`, that scales `colour` down if it still runs `release_id` and
        `while_live` is still the live release. A later move of live traffic sets a timer of its own: without the
        second condition an earlier timer would cut that move's warm window short (r2 switched, rolled back, r3
        switched: r2's timer for the colour r3 retired came due first)."""
        if release_id is None:
            return  # the colour carries no release of ours: leave it as found
        timer = event.model_copy(update={"details": {"timer": SCALE_DOWN, "colour": colour.value,
                                                     "release_id": release_id, "while_live": while_live}})
        await self.timers.schedule(timer, self.scale_down_delay)

    async def current(self, release_id: str) -> Release:
        release = await self.store.get(release_id)
        if release is None:
            raise Refused(f"release {release_id} is not in the release log")
        return release

    async def caught_up(self, release_id: str, done: Callable[[Release], bool]) -> Release:
        """`release_id` as soon as the read model shows it `done`, or as it is after CATCH_UP seconds. For what a
        switch published and recorded only after its `live` (`superseded`): a rollback asked for the moment `live`
        was seen may read the read model before the record or the fold got there."""
        return await self._until(lambda: self.current(release_id), done)

    async def kept(self, event: ReleaseEvent) -> bool:
        """Whether the read model kept `event` for its seq, not a different event logged there before it nor one the
        table refused: two analysis replicas handed one `verifying` may publish `live` and `rolling_back` with one
        seq, and the switcher consumes its queue, not the read model. An event the API recorded before publishing it
        is there at once; one only the log carries is waited for up to CATCH_UP seconds, then taken as delivered (as
        before this check: the read model that far behind is no reason to hold a rollback back)."""
        async def stored() -> str | None:
            found = [s for s in await self.store.history(event.release_id, [event.state]) if s.event.seq == event.seq]
            return (found[0].note or "kept") if found else None  # the fold's note: "conflict" for a twin after one

        note = await self._until(stored, lambda note: note is not None)
        if note is None:
            log.warning("the read model has not folded this event yet; acting on it as delivered", seq=event.seq)
        # Nor one the table refused: the legal event logged after it at its seq is the one folded (fold.py).
        return note != "conflict" and not refused(note)

    async def _until(self, read: Callable[[], Awaitable[T]], done: Callable[[T], bool]) -> T:
        """`read()` as soon as `done` holds for it, or as it is after CATCH_UP seconds."""
        loop = asyncio.get_running_loop()
        deadline, pause = loop.time() + CATCH_UP, 0.005
        while True:
            version = self.store.version
            value = await read()
            left = deadline - loop.time()
            if done(value) or left <= 0:
                return value
            # A fold here wakes it at once; a record (this process's or another replica's) only shows on a look.
            await self.store.changed(version, min(left, pause))
            pause = min(pause * 2, 0.1)

    async def superseded(self, previous_id: str, by: Release) -> ReleaseEvent | None:
        previous = await self.store.get(previous_id)
        if previous is None or previous.state not in (ReleaseState.LIVE, ReleaseState.SUPERSEDED):
            log.warning("previous release not live in the log; no superseded event", previous=previous_id)
            return None
        if previous.state is ReleaseState.SUPERSEDED:
            return event_of(previous)  # a repeat: the same event again
        return event_of(previous).next(ReleaseState.SUPERSEDED, actor=SERVICE, details={"superseded_by": by.id})


def event_of(release: Release) -> ReleaseEvent:
    """The event that put `release` in its current state, rebuilt from its snapshot (same seq and id)."""
    return ReleaseEvent(release_id=release.id, app=release.app, seq=release.seq, state=release.state,
                        actor=SERVICE, release=release, occurred_at=release.updated_at)
