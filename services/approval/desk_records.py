"""The desk's one way to change a release: record the event in the database, then publish it.

The record is what makes a concurrent second writer lose (one release in flight per app, one event per (release,
seq)); a publish the broker refused undoes it, and one that may have been delivered keeps it, published again by the
next request that meets it unechoed (`echo`, echoes.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import aio_pika
import structlog

from services.approval.auth import Identity
from services.approval.echoes import ChangedMeanwhile, Echoes
from services.approval.errors import Conflict, NotFound
from services.approval.gate import newer_schema, refusing_newer
from services.shared.bus import PublishFailed
from services.shared.db.fold import AppBusy, Item, SameChange, StaleWrite
from services.shared.ended import ENDINGS, ReleaseEnded
from services.shared.events import ReleaseEvent
from services.shared.protocol import ReleaseState
from services.shared.release import Release

log = structlog.get_logger(__name__)
SETTLE_TIMEOUT = 5.0  # as long as the projecting replica's `settle` waits for its own fold


class RecordingDesk(Echoes):

    async def publish(self, event: ReleaseEvent, caller: Identity | None = None,
                       ahead: Sequence[Item] = ()) -> None:
        """Record (after the log's events it continues, `ahead`), then publish; the record is what makes a
        concurrent second writer lose."""
        self._not_ended(event)
        for attempt in range(2):
            try:
                await self.store.record(event, strict=True, ahead=ahead)
                break
            except AppBusy:
                await self.check_free(event.app, caller)  # 409 naming the blocker; or its end was just folded
                if attempt:
                    raise Conflict(f"Another release of {event.app} is in flight.") from None
            except SameChange:
                raise
            except StaleWrite as exc:
                raise ChangedMeanwhile(f"The release changed meanwhile (it is {exc.state} now); reload and retry.",
                                       state=ReleaseState(exc.state)) from None
        try:
            await self.bus.publish(event)
        except ReleaseEnded:  # its end heard since the check: refused before anything was sent
            await self.store.forget(event)
            self._not_ended(event)
            raise
        except PublishFailed as exc:
            # Only a nack or a return proves the log does not have it. A timeout, a lost connection or a
            # cancelled request may have delivered it: the record stays, and the next request that meets it
            # unechoed publishes it again (`echo`), which every consumer folds once (same message id).
            if isinstance(exc.__cause__, aio_pika.exceptions.DeliveryError):
                await self.store.forget(event)
            raise

    def _not_ended(self, event: ReleaseEvent) -> None:
        """409 for an event that would carry further a release this process heard end, though the read model shows
        it open: the log's ending of a seq the read model had already kept for another event (two replicas
        handed one message), which every service acts on. Was a 500, after the decision was recorded."""
        if (ended := self.bus.ended.ending(event.release_id)) is not None and event.state not in ENDINGS:
            raise Conflict(f"The release has {ended}: no {event.state.value} can follow.",
                           state=ReleaseState(ended))

    async def get(self, release_id: str) -> Release:
        release = await self.store.get(release_id)
        if release is None:
            raise NotFound("There is no release with that id.")
        return release

    async def check_free(self, app: str, caller: Identity | None = None) -> None:
        """409 naming the app's release in flight; one a newer Greenlight left in a state this version does not know
        is 409 too (gate.py), not the 500 its read was."""
        async with refusing_newer(self.store, app=app):
            blocking = await self.store.in_flight(app)
            if blocking is not None and await self.store.settle(blocking.id):  # its end delivered, maybe not folded
                blocking = await self.store.in_flight(app)
            elif blocking is not None and self.bus.ended.ending(blocking.id):
                blocking = await self._after_the_leaders_fold(app, blocking)
        if blocking is not None:
            # The requester retrying (their first try answered 503 or never answered) gets it published now; a
            # publish that fails is a 503 again (PublishFailed), so that they retry until it went out. A release
            # whose end this process heard meanwhile is not published again: the 409 naming it stands (was a 500).
            try:
                await self.echo(blocking, now=caller is not None and caller.name == blocking.requested_by)
            except ReleaseEnded:
                log.info("an unechoed event of a release that ended is not published again", release=blocking.id)
            raise Conflict(f"Release {blocking.id} of {app} is still in flight ({blocking.state.value}).",
                           state=blocking.state, blocking_release=blocking.id)

    async def _after_the_leaders_fold(self, app: str, blocking: Release) -> Release | None:
        """The app's release in flight once the end this process heard of `blocking` (its endings queue) is folded,
        by the projecting replica or this one's projector (its stream may deliver the end after the endings queue
        did), or as it is after `SETTLE_TIMEOUT`: a client that saw the end on the log and asked at once was
        answered 409 by a standby, naming a release that was over."""
        deadline = asyncio.get_running_loop().time() + SETTLE_TIMEOUT
        while True:
            version = self.store.version
            now = await self.store.in_flight(app)
            left = deadline - asyncio.get_running_loop().time()
            if now is None or now.id != blocking.id or left <= 0:
                return now
            await self.store.changed(version, left)

    async def latest_event(self, release: Release) -> ReleaseEvent:
        latest = await self.store.latest(release.id)
        if latest is None or latest.seq != release.seq:
            raise Conflict("The release is changing right now; retry in a moment.", state=release.state)
        newer_schema(latest)  # a newer Greenlight's event: not acted on by this version
        return latest
