"""Reading the read model: what the API and the switcher ask of it, through the reader threads (writer.py).

ReleaseDatabase (releases.py), the one object a service holds of the read model, inherits these reads; what it adds
is the writes, a service's own events.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from services.shared.db import queries
from services.shared.db.driver import fetch
from services.shared.db.queries import ReleaseFilter
from services.shared.db.schema import releases
from services.shared.db.signals import FoldSignals
from services.shared.db.writer import Reader
from services.shared.events import ReleaseEvent
from services.shared.protocol import ReleaseState
from services.shared.release import Colour, Release
from services.shared.store import LoggedEvent


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


class ReleaseReads(FoldSignals):
    """ReleaseDatabase's reads (releases.py): its `reader`, and its `poll_interval` for `follow`."""

    reader: Reader
    poll_interval: float

    async def rows(self, query: sa.Executable, params: dict[str, Any] | None = None) -> Sequence[Any]:
        """Every row of one read, in one trip to a reader thread (on SQLite; see writer.py)."""
        return await self.reader.run(queries.all_rows, query, params or {})

    async def keyed(self, query: sa.ClauseElement, params: dict[str, Any]) -> list[tuple[Any, ...]]:
        """The rows of one of the hot keyed reads (a module constant), as tuples, through the driver's cursor
        (driver.py): the gate, the standby's offset poll, a release's history."""
        return await self.reader.one_statement(fetch, query, params)

    async def get(self, release_id: str) -> Release | None:
        found = await self.keyed(queries.SNAPSHOT, {"id": release_id})
        return Release.model_validate_json(found[0][0]) if found else None

    async def history(self, release_id: str, states: Sequence[ReleaseState] | None = None) -> list[StoredEvent]:
        """The release's events in order; only those in `states` if given (fewer bodies to parse)."""
        query, params = (queries.HISTORY, {"id": release_id}) if states is None else (
            queries.HISTORY_IN, {"id": release_id, "states": [state.value for state in states]})
        rows = await self.keyed(query, params)
        return [StoredEvent(offset, ReleaseEvent.model_validate_json(body), note) for offset, note, body in rows]

    async def detail(self, release_id: str) -> tuple[Release | None, list[StoredEvent]]:
        """The release and its events in order, as of one moment (one statement); (None, []) if there is none."""
        rows = await self.keyed(queries.DETAIL, {"id": release_id})
        if not rows or rows[0][0] != -1:  # events recorded ahead of the release's row: not there yet
            return None, []
        return Release.model_validate_json(rows[0][4]), [
            StoredEvent(offset, ReleaseEvent.model_validate_json(body), note) for _, _, offset, note, body in rows[1:]]

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

    async def follow(self, after: int, match: Callable[[ReleaseEvent], bool], app: str | None = None,
                     until: int | None = None) -> AsyncIterator[LoggedEvent]:
        """Every logged event after offset `after` that matches, in log order with none skipped, each with its note:
        from the database up to the offset the projector folded through, then live as it folds more; or up to
        `until` (folded already), and no further. `app` narrows the query itself; `match` is checked on each event."""
        while True:
            seen = self.version
            rows = await self.rows(queries.followed(after, app, until))
            for row in rows:
                after = row.log_offset
                event = ReleaseEvent.model_validate_json(row.body)
                if match(event):
                    yield LoggedEvent(row.log_offset, event, row.note)
            if len(rows) == queries.PAGE:
                continue
            if until is not None:
                return
            await self.changed(seen, self.poll_interval)  # the timeout covers writes only another replica saw
