"""Reading and writing the read model: what the API and the switcher ask of it.

Writes here are a service's own events, folded before the log echoes them (`record`), so the caller's next read
sees its write. The API records *before* publishing (`strict`): the (release, seq) uniqueness and the
one-in-flight index make the second of two concurrent writers lose (StaleWrite, AppBusy) whatever the number of
replicas, and `forget` undoes the record when the publish then fails. The switcher records after publishing.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from services.shared.db import queries
from services.shared.db.appstate import recompute_apps_sync
from services.shared.db.arrivals import fold_own_sync
from services.shared.db.driver import fetch
from services.shared.db.fold import AppBusy, Item, fold_sync
from services.shared.db.queries import ReleaseFilter
from services.shared.db.rows import release_row
from services.shared.db.schema import events, releases
from services.shared.db.signals import FoldSignals
from services.shared.db.writer import Reader, Writer
from services.shared.events import ReleaseEvent
from services.shared.protocol import IN_FLIGHT, ReleaseState
from services.shared.release import Colour, Release
from services.shared.store import LoggedEvent

__all__ = ["AppRow", "ReleaseDatabase", "ReleaseFilter", "StoredEvent"]


@dataclass(frozen=True)
class StoredEvent:
    offset: int | None  # None until the log echoes it
    event: ReleaseEvent
    note: str | None  # why it was not folded ("conflict", "illegal transition …", "late"), else None


@dataclass(frozen=True)
class AppRow:
    app: str
    live: Release | None
    live_colour: Colour | None
    standby: Release | None
    in_flight: Release | None


_OF_SEQ = (events.c.release_id == sa.bindparam("r"), events.c.seq == sa.bindparam("s"))


def forget_sync(connection: sa.Connection, event: ReleaseEvent) -> bool:
    """`ReleaseDatabase.forget` in one transaction; True if a logged event took the forgotten one's place.

    The record held variant 0 of its (release, seq), so an event of the log with the same seq that the projector
    folded meanwhile (another service published it without recording it first: the deployer's `awaiting_approval`
    beside an abort's `failed`) was stored as a conflict, never folded. Once the record is gone that event is the
    log's own at that seq: the release is rebuilt from its last folded event, and the events left at the seq are
    folded again in their order (the first becomes variant 0, folded by the fold's rules; any other stays a
    conflict). Left as a conflict, it kept the release behind the log for good (still `deploying`, where no decision
    can be made, and the next event of the log a conflict again)."""
    key = {"r": event.release_id, "s": event.seq}
    gone = connection.execute(events.delete().where(*_OF_SEQ, events.c.variant == 0, events.c.log_offset.is_(None)),
                              key)
    if gone.rowcount == 0:
        return False
    others = connection.execute(sa.select(events.c.log_offset, events.c.body).where(*_OF_SEQ)
                                .order_by(events.c.variant), key).all()
    if others:
        connection.execute(events.delete().where(*_OF_SEQ), key)
    previous = connection.execute(
        sa.select(events.c.body).where(events.c.release_id == event.release_id, events.c.variant == 0,
                                       events.c.note.is_(None)).order_by(events.c.seq.desc()).limit(1)
    ).scalar_one_or_none()
    if previous is None:
        connection.execute(releases.delete().where(releases.c.id == event.release_id))
    else:
        before = ReleaseEvent.model_validate_json(previous)
        row = release_row(before.release, before.state in IN_FLIGHT)
        connection.execute(releases.update().where(releases.c.id == sa.bindparam("k_id")), [row])
    if others:
        fold_sync(connection, [Item(ReleaseEvent.model_validate_json(body), offset, body) for offset, body in others])
    recompute_apps_sync(connection, [event.app])
    return bool(others)


class ReleaseDatabase(FoldSignals):
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

    async def rows(self, query: sa.Executable, params: dict[str, Any] | None = None) -> Sequence[Any]:
        """Every row of one read, in one trip to a reader thread (on SQLite; see writer.py)."""
        return await self.reader.run(queries.all_rows, query, params or {})

    async def keyed(self, query: sa.ClauseElement, params: dict[str, Any]) -> list[tuple[Any, ...]]:
        """The rows of one of the hot keyed reads (a module constant), as tuples, through the driver's cursor
        (driver.py): the gate, the standby's offset poll, a release's history."""
        return await self.reader.one_statement(fetch, query, params)

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
        if await self.writer.run(forget_sync, event):
            await self.notify()

    async def get(self, release_id: str) -> Release | None:
        found = await self.keyed(queries.SNAPSHOT, {"id": release_id})
        return Release.model_validate_json(found[0][0]) if found else None

    async def history(self, release_id: str, states: Sequence[ReleaseState] | None = None) -> list[StoredEvent]:
        """The release's events in order; only those in `states` if given (fewer bodies to parse)."""
        query, params = (queries.HISTORY, {"id": release_id}) if states is None else (
            queries.HISTORY_IN, {"id": release_id, "states": [state.value for state in states]})
        rows = await self.keyed(query, params)
        return [StoredEvent(offset, ReleaseEvent.model_validate_json(body), note) for offset, note, body in rows]

    async def latest(self, release_id: str) -> ReleaseEvent | None:
        """The event the release's current state was folded from."""
        found = await self.keyed(queries.LATEST, {"id": release_id})
        return ReleaseEvent.model_validate_json(found[0][0]) if found else None

    async def app(self, app: str) -> AppRow:
        """The app's row and the releases it names, as of one moment (one statement)."""
        found = await self.keyed(queries.APP, {"app": app})
        if not found:
            return AppRow(app, None, None, None, None)
        colour, *snapshots = found[0]
        parsed: dict[str, Release] = {}  # the standby is often the release in flight: parsed once
        for snapshot in snapshots:
            if snapshot is not None and snapshot not in parsed:
                parsed[snapshot] = Release.model_validate_json(snapshot)
        live, standby, in_flight = (parsed.get(snapshot) if snapshot is not None else None for snapshot in snapshots)
        return AppRow(app, live, Colour(colour) if colour else None, standby, in_flight)

    async def live(self, app: str) -> Release | None:
        return (await self.app(app)).live

    async def in_flight(self, app: str) -> Release | None:
        # One query on the one-in-flight index, not the app's row: asked on every 409 and most POSTs.
        found = await self.keyed(queries.IN_FLIGHT_SNAPSHOT, {"app": app})
        return Release.model_validate_json(found[0][0]) if found else None

    async def last_offset(self) -> int:
        """The log offset folded through (-1 for none): where a stream that starts "now" begins."""
        return int((await self.rows(sa.select(queries.FOLDED_THROUGH)))[0][0])

    async def count_by_state(self) -> dict[str, int]:
        rows = await self.rows(sa.select(releases.c.state, sa.func.count()).group_by(releases.c.state))
        return {row[0]: row[1] for row in rows}

    async def page(self, where: ReleaseFilter, limit: int, after: tuple[object, str] | None
                   ) -> tuple[list[Release], bool]:
        """Up to `limit` releases newest first, after the (created_at, id) position; and whether more follow."""
        query = queries.page_query(where, limit + 1, after)
        snapshots = [row.snapshot for row in await self.rows(query)]
        return [Release.model_validate_json(s) for s in snapshots[:limit]], len(snapshots) > limit

    async def staged_since(self, app: str, since: datetime, excluding: Sequence[str]) -> Release | None:
        """The newest release of `app` created after `since`, other than `excluding`, that was staged on a colour
        (or failed deploying onto one); None if there is none. Asked of the database: there may be any number of
        releases since (releases that failed before the cluster, say), and none of those is read."""
        rows = await self.rows(queries.staged_since_query(app, since, excluding))
        return Release.model_validate_json(rows[0].snapshot) if rows else None

    async def follow(self, after: int, match: Callable[[ReleaseEvent], bool],
                     app: str | None = None) -> AsyncIterator[LoggedEvent]:
        """Every logged event after offset `after` that matches, in log order with none skipped: from the database
        up to the offset the projector folded through, then live as it folds more. `app` narrows the query itself;
        `match` is checked on each event."""
        while True:
            seen = self.version
            rows = await self.rows(queries.followed(after, app))
            for row in rows:
                after = row.log_offset
                event = ReleaseEvent.model_validate_json(row.body)
                if match(event):
                    yield LoggedEvent(row.log_offset, event)
            if len(rows) == queries.PAGE:
                continue
            await self.changed(seen, self.poll_interval)  # the timeout covers writes only another replica saw

