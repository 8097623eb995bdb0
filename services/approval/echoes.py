"""Publishing again what the desk recorded and the log has not echoed: a publish that may or may not have delivered
it (a confirm timeout, a lost connection, a request cut off), or an API stopped between record and publish.

The same message ids, so a copy that did arrive is folded once by every consumer. A retried request (the requester's,
the same decision by the same person) does not wait `unechoed_after`, only until no publish of the record can still
be under way: another request's, on this replica or another (a double click behind a load balancer), was otherwise
sent a second time.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import structlog

from services.approval.errors import Conflict
from services.shared.bus import Bus
from services.shared.db.release_reads import StoredEvent
from services.shared.db.releases import ReleaseDatabase
from services.shared.events import ReleaseEvent
from services.shared.release import Release, utcnow

log = structlog.get_logger(__name__)
FOLD_WAIT = 5.0  # as long as the projecting replica's `settle` waits for its own fold


class ChangedMeanwhile(Conflict):
    """Another event took the release's next step first: a concurrent request on this replica or another."""


class Echoes:
    bus: Bus
    store: ReleaseDatabase
    _unechoed_after: timedelta

    @property
    def _publish_time(self) -> timedelta:
        """How long a publish may take: its confirm's timeout, and a moment for its echo to be folded."""
        return timedelta(seconds=self.bus.settings.publish_timeout + 1)

    async def echo(self, release: Release, *, now: bool = False) -> None:
        """Publish again what was recorded for the release but not echoed by the log within `unechoed_after`; `now`
        (a retried request): once no publish of it can still be under way (the module's docstring)."""
        if not now and utcnow() - release.updated_at < self._unechoed_after:
            return
        for stored in await (self._unechoed_once_sent(release.id) if now else self._unechoed(release.id)):
            await self.bus.publish(stored.event)
            log.warning("published an unechoed event again", release=release.id, seq=stored.event.seq,
                        state=stored.event.state.value)

    async def _unechoed(self, release_id: str) -> list[StoredEvent]:
        return [stored for stored in await self.store.history(release_id)
                if stored.offset is None and stored.note is None]

    async def _unechoed_once_sent(self, release_id: str) -> list[StoredEvent]:
        """The release's unechoed records, awaited until a publish made when each was recorded has had its time (by
        this replica's clock too: another's running ahead held a retry as long); ChangedMeanwhile when one of them
        was undone meanwhile (its publish refused), which this request must not answer as made."""
        deadline, waited_on = None, set[str]()
        while True:
            version = self.store.version
            history = [stored for stored in await self.store.history(release_id) if stored.note is None]
            if waited_on - {stored.event.message_id for stored in history}:
                raise ChangedMeanwhile("A request made at the same moment was not published and was undone; retry.")
            unechoed = [stored for stored in history if stored.offset is None]
            if deadline is None and unechoed:
                waited_on = {stored.event.message_id for stored in unechoed}
                deadline = min(max(stored.event.occurred_at for stored in unechoed), utcnow()) + self._publish_time
            left = (deadline - utcnow()).total_seconds() if deadline is not None and unechoed else 0.0
            if left <= 0:
                return unechoed
            await self.store.changed(version, left)

    async def folded_after(self, waiting: ReleaseEvent) -> Release | None:
        """The release once this replica's read model holds an event after `waiting` (an end its endings queue heard
        before its fold: this projector's, or the projecting replica's), else None after `FOLD_WAIT`: a decision
        refused for that end is answered with who made it, not only the state."""
        await self.store.settle(waiting.release_id)
        deadline = asyncio.get_running_loop().time() + FOLD_WAIT
        while True:
            version = self.store.version
            latest = await self.store.latest(waiting.release_id)
            if latest is not None and latest.seq > waiting.seq:
                return latest.release
            if (left := deadline - asyncio.get_running_loop().time()) <= 0:
                return None
            await self.store.changed(version, left)
