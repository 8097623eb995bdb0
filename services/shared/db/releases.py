"""Writing the read model: a service's own events, and ReleaseDatabase, the one object a service holds of it.

Writes here are a service's own events, folded before the log echoes them (`record`), so the caller's next read
sees its write. The API records *before* publishing (`strict`): the (release, seq) uniqueness and the
one-in-flight index make the second of two concurrent writers lose (StaleWrite, AppBusy) whatever the number of
replicas, and `forget` undoes the record when the publish then fails. The switcher records after publishing.
What the API and the switcher ask of the read model is release_reads.py's, which ReleaseDatabase inherits.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from services.shared.db.appstate import recompute_apps_sync
from services.shared.db.arrivals import LOCK_OFFSET, fold_own_sync
from services.shared.db.driver import fetch
from services.shared.db.fold import Item, fold_sync
from services.shared.db.fold_release import ILLEGAL, AppBusy
from services.shared.db.queries import ReleaseFilter
from services.shared.db.release_reads import AppRow, ReleaseReads, StoredEvent
from services.shared.db.rows import release_row
from services.shared.db.schema import events, releases
from services.shared.db.writer import Reader, Writer
from services.shared.events import ReleaseEvent
from services.shared.protocol import IN_FLIGHT

__all__ = ["AppRow", "ReleaseDatabase", "ReleaseFilter", "StoredEvent"]


_OF_SEQ = (events.c.release_id == sa.bindparam("r"), events.c.seq == sa.bindparam("s"))
# The log's and the services' own (the switcher records after publishing: its `live` may wait for its echo).
_REFUSED_AFTER = (events.c.release_id == sa.bindparam("r"), events.c.seq > sa.bindparam("s"),
                  events.c.note.startswith(ILLEGAL))


def forget_sync(connection: sa.Connection, event: ReleaseEvent, stream: str | None = None) -> bool:
    """`ReleaseDatabase.forget` in one transaction; True if a logged event took the forgotten one's place.

    The record held variant 0 of its (release, seq), so an event of the log with the same seq that the projector
    folded meanwhile (another service published it without recording it first: the deployer's `awaiting_approval`
    beside an abort's `failed`) was stored as a conflict, never folded. Once the record is gone that event is the
    log's own at that seq: the release is rebuilt from its last folded event, and the events left at the seq are
    folded again in their order (the first becomes variant 0, folded by the fold's rules; any other stays a
    conflict), then the later events the fold refused while the record stood. Left as a conflict, it kept the release
    behind the log for good (still `deploying`, where no decision can be made, and the next event of the log a
    conflict again)."""
    if stream is not None:
        # Turns with the projector's batches and the services' records, as they take them with each other: on
        # PostgreSQL a batch committing during this transaction lost the offset an echo gave a refused record folded
        # again here, or refused a step beside the record this forgets, after its read of them.
        fetch(connection, LOCK_OFFSET, {"s": stream})
    key = {"r": event.release_id, "s": event.seq}
    # The record by its state, not as variant 0: one the table refused was stored below 0 (fold.py).
    gone = connection.execute(events.delete().where(*_OF_SEQ, events.c.state == event.state.value,
                                                    events.c.log_offset.is_(None)), key)
    if gone.rowcount == 0:
        return False
    others = connection.execute(sa.select(events.c.log_offset, events.c.body).where(*_OF_SEQ)
                                .order_by(events.c.variant), key).all()
    if others:
        connection.execute(events.delete().where(*_OF_SEQ), key)
    # Later events of the log the fold refused while the record was the release's state (a step after the one
    # beside an abort's `failed`: an ended release is continued by no twin, fold_release.py) are folded again after
    # them: without the record the log's branch is the release's, and they may continue it.
    later = connection.execute(sa.select(events.c.log_offset, events.c.body).where(*_REFUSED_AFTER)
                               .order_by(events.c.seq, events.c.variant), key).all()
    if later:
        connection.execute(events.delete().where(*_REFUSED_AFTER), key)
        others = [*others, *later]
    previous = connection.execute(
        sa.select(events.c.body).where(events.c.release_id == event.release_id, events.c.variant == 0,
                                       events.c.note.is_(None)).order_by(events.c.seq.desc()).limit(1)
    ).scalar_one_or_none()
    if previous is None:
        connection.execute(releases.delete().where(releases.c.id == event.release_id))
    else:
        before = ReleaseEvent.model_validate_json(previous)
        # A forgotten ending may have freed the app for a release recorded meanwhile: that one keeps it, as the fold
        # leaves out of flight a release that meets another holding its app (the unique index refused this row and
        # the whole forget before: a 500, and the record the log never had kept).
        taken = connection.execute(sa.select(releases.c.id).where(
            releases.c.app == before.app, releases.c.in_flight, releases.c.id != before.release_id)).first()
        row = release_row(before.release, before.state in IN_FLIGHT and taken is None)
        connection.execute(releases.update().where(releases.c.id == sa.bindparam("k_id")), [row])
    if others:
        fold_sync(connection, [Item(ReleaseEvent.model_validate_json(body), offset, body) for offset, body in others])
    recompute_apps_sync(connection, [event.app])
    return bool(others)


class ReleaseDatabase(ReleaseReads):
    def __init__(self, engine: AsyncEngine, poll_interval: float = 1.0) -> None:
        super().__init__()
        self.engine = engine
        self.writer = Writer(engine)
        self.reader = Reader(engine)
        self.poll_interval = poll_interval
        self.log_stream: str | None = None  # the log this process projects or follows, set by its projector

    def close(self) -> None:
        """Ends the writer's and readers' threads; the engine is its owner's to dispose."""
        self.writer.close()
        self.reader.close()

    async def record(self, event: ReleaseEvent, *, strict: bool = False, ahead: Sequence[Item] = ()) -> None:
        """Fold a service's own event before the log echoes it, after the events `ahead_of` gave that it
        continues. `strict`: raise StaleWrite when another event holds its (release, seq), AppBusy when it
        would be a second release of its app in flight."""
        # A strict record precedes its publish, so no batch of the log holds its event yet: no turn to take.
        stream = self.log_stream if ahead or not strict else None
        await self._fold_own(stream, [*ahead, Item(event, None, event.model_dump_json())], strict)

    async def record_all(self, published: Sequence[ReleaseEvent]) -> None:
        """A handler's own events, published in this order, in one transaction."""
        if published:
            await self._fold_own(self.log_stream, [Item(event, None, event.model_dump_json())
                                                   for event in published], False)

    async def _fold_own(self, stream: str | None, items: list[Item], strict: bool) -> None:
        for attempt in range(3):
            try:
                await self.writer.run(fold_own_sync, stream, items, strict=strict, small=True)
                return
            except sa.exc.IntegrityError:
                # A concurrent writer won the race the fold checked for: decide again on what it wrote.
                if attempt == 2:
                    app = items[-1].event.app
                    blocking = await self.in_flight(app)
                    raise AppBusy(app, blocking.id if blocking else "?") from None

    async def forget(self, event: ReleaseEvent) -> None:
        """Undo `record` after a publish failed: the event never reached the log, so the read model must not
        keep it. Only an event still without a log offset is removed (the log may have echoed it meanwhile). An event
        the log holds at the same (release, seq), stored meanwhile as a conflict because the record held the seq,
        takes its place and is folded (`forget_sync`)."""
        if await self.writer.run(forget_sync, event, self.log_stream):
            await self.notify()
