"""Reading and writing the read model: what the API and the switcher ask of it.

Writes here are a service's own events, folded before the log echoes them (`record`), so the caller's next read
sees its write. The API records *before* publishing (`strict`): the (release, seq) uniqueness and the
one-in-flight index make the second of two concurrent writers lose (StaleWrite, AppBusy) whatever the number of
replicas, and `forget` undoes the record when the publish then fails. The switcher records after publishing.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from services.shared.db.appstate import recompute_apps_sync
from services.shared.db.arrivals import Arrivals, continuing, fold_own_sync
from services.shared.db.driver import fetch
from services.shared.db.engine import writing
from services.shared.db.fold import AppBusy, Item
from services.shared.db.rows import release_row, utc
from services.shared.db.schema import apps, events, releases
from services.shared.db.writer import Reader, Writer
from services.shared.events import ReleaseEvent
from services.shared.protocol import IN_FLIGHT, ReleaseState
from services.shared.release import Colour, Release
from services.shared.store import LoggedEvent
from services.shared.timeouts import bounded

PAGE = 500  # events per query when a stream catches up
_IN_FLIGHT = sa.select(releases.c.snapshot).where(releases.c.app == sa.bindparam("app"), releases.c.in_flight)
_SNAPSHOT = sa.select(releases.c.snapshot).where(releases.c.id == sa.bindparam("id"))
_HISTORY = (sa.select(events.c.log_offset, events.c.note, events.c.body)
            .where(events.c.release_id == sa.bindparam("id")).order_by(events.c.seq, events.c.variant))
_HISTORY_IN = _HISTORY.where(events.c.state.in_(sa.bindparam("states", expanding=True)))
_LATEST = (sa.select(events.c.body)
           .where(events.c.release_id == sa.bindparam("id"), events.c.variant == 0, events.c.note.is_(None))
           .order_by(events.c.seq.desc()).limit(1))


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


@dataclass(frozen=True)
class ReleaseFilter:
    app: str | None = None
    state: ReleaseState | None = None
    requested_by: str | None = None
    approver: str | None = None
    since: object = None  # datetime | None; created at or after
    until: object = None  # datetime | None; created before


class ReleaseDatabase:
    def __init__(self, engine: AsyncEngine, poll_interval: float = 1.0) -> None:
        self.engine = engine
        self.writer = Writer(engine)
        self.reader = Reader(engine)
        self.poll_interval = poll_interval
        self._changed = asyncio.Condition()
        self._version = 0  # bumped by every notify, so a wake-up between a query and the wait is not lost
        self.arrivals: Arrivals | None = None  # set by this process's projector while it leads (arrivals.py)
        self.hurry: Callable[[], None] | None = None  # the same projector's: fold its deliveries now
        self.log_stream: str | None = None  # the log this process projects or follows, set by its projector
        self._watchers: dict[str, set[asyncio.Event]] = {}  # release id -> `watching` callers

    def close(self) -> None:
        """Ends the writer's and readers' threads; the engine is its owner's to dispose."""
        self.writer.close()
        self.reader.close()

    async def rows(self, query: sa.Executable, params: dict[str, Any] | None = None) -> Sequence[Any]:
        """Every row of one read, in one trip to a reader thread (on SQLite; see writer.py)."""
        return await self.reader.run(_all_rows, query, params or {})

    async def keyed(self, query: sa.ClauseElement, params: dict[str, Any]) -> list[tuple[Any, ...]]:
        """The rows of one of the hot keyed reads (a module constant), as tuples, through the driver's cursor
        (driver.py): the gate, the standby's offset poll, a release's history."""
        return await self.reader.one_statement(fetch, query, params)

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
        keep it. Only an event still without a log offset is removed (the log may have echoed it meanwhile)."""
        async with writing(self.engine) as connection:
            gone = await connection.execute(events.delete().where(
                events.c.release_id == event.release_id, events.c.seq == event.seq, events.c.variant == 0,
                events.c.log_offset.is_(None)))
            if gone.rowcount == 0:
                return
            previous = (await connection.execute(
                sa.select(events.c.body).where(events.c.release_id == event.release_id, events.c.variant == 0,
                                               events.c.note.is_(None)).order_by(events.c.seq.desc()).limit(1)
            )).scalar_one_or_none()
            if previous is None:
                await connection.execute(releases.delete().where(releases.c.id == event.release_id))
            else:
                before = ReleaseEvent.model_validate_json(previous)
                row = release_row(before.release, before.state in IN_FLIGHT)
                await connection.execute(releases.update().where(releases.c.id == sa.bindparam("k_id")), [row])
            await connection.run_sync(recompute_apps_sync, [event.app])

    async def get(self, release_id: str) -> Release | None:
        found = await self.keyed(_SNAPSHOT, {"id": release_id})
        return Release.model_validate_json(found[0][0]) if found else None

    async def history(self, release_id: str, states: Sequence[ReleaseState] | None = None) -> list[StoredEvent]:
        """The release's events in order; only those in `states` if given (fewer bodies to parse)."""
        query, params = (_HISTORY, {"id": release_id}) if states is None else (
            _HISTORY_IN, {"id": release_id, "states": [state.value for state in states]})
        rows = await self.keyed(query, params)
        return [StoredEvent(offset, ReleaseEvent.model_validate_json(body), note) for offset, note, body in rows]

    async def latest(self, release_id: str) -> ReleaseEvent | None:
        """The event the release's current state was folded from."""
        found = await self.keyed(_LATEST, {"id": release_id})
        return ReleaseEvent.model_validate_json(found[0][0]) if found else None

    async def app(self, app: str) -> AppRow:
        row, snapshots = await self.reader.run(_app_sync, app, small=True)
        found = {r.id: Release.model_validate_json(r.snapshot) for r in snapshots}
        if row is None:
            return AppRow(app, None, None, None, None)
        colour = Colour(row.live_colour) if row.live_colour else None
        return AppRow(app, found.get(row.live_release), colour, found.get(row.standby_release),
                      found.get(row.in_flight_release))

    async def live(self, app: str) -> Release | None:
        return (await self.app(app)).live

    async def in_flight(self, app: str) -> Release | None:
        # One query on the one-in-flight index, not the app's row: asked on every 409 and most POSTs.
        found = await self.keyed(_IN_FLIGHT, {"app": app})
        return Release.model_validate_json(found[0][0]) if found else None

    async def last_offset(self) -> int:
        """The newest log offset folded so far (-1 for none): where a stream that starts "now" begins."""
        top = (await self.rows(sa.select(sa.func.max(events.c.log_offset))))[0][0]
        return -1 if top is None else int(top)

    async def count_by_state(self) -> dict[str, int]:
        rows = await self.rows(sa.select(releases.c.state, sa.func.count()).group_by(releases.c.state))
        return {row[0]: row[1] for row in rows}

    async def page(self, where: ReleaseFilter, limit: int, after: tuple[object, str] | None
                   ) -> tuple[list[Release], bool]:
        """Up to `limit` releases newest first, after the (created_at, id) position; and whether more follow."""
        query = sa.select(releases.c.snapshot)
        for column, value in ((releases.c.app, where.app), (releases.c.requested_by, where.requested_by),
                              (releases.c.approver, where.approver)):
            if value is not None:
                query = query.where(column == value)
        if where.state is not None:
            query = query.where(releases.c.state == where.state.value)
        if where.since is not None:
            query = query.where(releases.c.created_at >= utc(where.since))  # type: ignore[arg-type]
        if where.until is not None:
            query = query.where(releases.c.created_at < utc(where.until))  # type: ignore[arg-type]
        if after is not None:
            created, release_id = after
            created = utc(created)  # type: ignore[arg-type]
            query = query.where(sa.or_(releases.c.created_at < created,
                                       sa.and_(releases.c.created_at == created, releases.c.id < release_id)))
        query = query.order_by(releases.c.created_at.desc(), releases.c.id.desc()).limit(limit + 1)
        snapshots = [row.snapshot for row in await self.rows(query)]
        return [Release.model_validate_json(s) for s in snapshots[:limit]], len(snapshots) > limit

    async def follow(self, after: int, match: Callable[[ReleaseEvent], bool],
                     app: str | None = None) -> AsyncIterator[LoggedEvent]:
        """Every logged event after offset `after` that matches, from the database, then live as the projector
        folds more. `app` narrows the query itself; `match` is checked on each event."""
        while True:
            seen = self.version
            query = sa.select(events.c.log_offset, events.c.body).where(events.c.log_offset > after)
            if app is not None:
                query = query.where(events.c.app == app)
            rows = await self.rows(query.order_by(events.c.log_offset).limit(PAGE))
            for row in rows:
                after = row.log_offset
                event = ReleaseEvent.model_validate_json(row.body)
                if match(event):
                    yield LoggedEvent(row.log_offset, event)
            if len(rows) == PAGE:
                continue
            await self.changed(seen, self.poll_interval)  # the timeout covers writes only another replica saw


def _all_rows(connection: sa.Connection, query: sa.Executable, params: dict[str, Any]) -> Sequence[Any]:
    return connection.execute(query, params).all()


def _app_sync(connection: sa.Connection, app: str) -> tuple[Any, Sequence[Any]]:
    """The app's row and the releases it names, in one read transaction (one snapshot)."""
    row = connection.execute(sa.select(apps).where(apps.c.app == app)).one_or_none()
    ids = [i for i in ((row.live_release, row.standby_release, row.in_flight_release) if row else ()) if i]
    snapshots = connection.execute(sa.select(releases.c.id, releases.c.snapshot).where(releases.c.id.in_(ids))).all()
    return row, snapshots
