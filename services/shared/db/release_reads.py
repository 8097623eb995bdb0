"""Reading the read model: what the API and the switcher ask of it, through the reader threads (writer.py).

ReleaseDatabase (releases.py), the one object a service holds of the read model, inherits these reads; what it adds
is the writes, a service's own events.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa

from services.shared.db import queries
from services.shared.db.newer_rows import NewerRelease, shown_release
from services.shared.db.queries import ReleaseFilter
from services.shared.db.schema import releases
from services.shared.db.shown_reads import ShownReads
from services.shared.events import ReleaseEvent
from services.shared.protocol import ReleaseState
from services.shared.release import Colour, Release
from services.shared.store import LoggedEvent

COLOURS = frozenset(colour.value for colour in Colour)


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
    # Those of live, standby and in_flight that a newer Greenlight wrote (newer_rows.py): shown as stored; None above.
    newer: dict[str, NewerRelease] = field(default_factory=dict)


class ReleaseReads(ShownReads):
    """ReleaseDatabase's reads (releases.py), typed: what the decisions act on. A row a newer Greenlight wrote fails
    them (a pydantic ValidationError), except `app`, which leaves it to `AppRow.newer`, and `staged_since_shown`; to
    show any version's rows, ShownReads'."""

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
        colour, *ids_and_snapshots = found[0]
        ids, snapshots = ids_and_snapshots[:3], ids_and_snapshots[3:]
        parsed: dict[str, Release | NewerRelease] = {}  # the standby is often the release in flight: parsed once
        for release_id, snapshot in zip(ids, snapshots, strict=True):
            if snapshot is not None and snapshot not in parsed:
                parsed[snapshot] = shown_release(snapshot, release_id)
        shown = [parsed[snapshot] if snapshot is not None else None for snapshot in snapshots]
        live, standby, in_flight = (r if isinstance(r, Release) else None for r in shown)
        newer = {name: r for name, r in zip(queries.APP_NAMES, shown, strict=True) if isinstance(r, NewerRelease)}
        # A colour a newer Greenlight added is no colour this version can name: unknown (None), not a 500.
        return AppRow(app, live, Colour(colour) if colour in COLOURS else None, standby, in_flight, newer)

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

    async def staged_since_shown(self, app: str, since: datetime, excluding: Sequence[str]
                                 ) -> Release | NewerRelease | None:
        """`staged_since`, a release a newer Greenlight wrote as stored (newer_rows.py), with its id: a command on
        the app refuses it by name (409) rather than failing on it (500)."""
        rows = await self.rows(queries.staged_since_query(app, since, excluding).add_columns(releases.c.id))
        return shown_release(rows[0].snapshot, rows[0].id) if rows else None

    async def follow(self, after: int, match: Callable[[ReleaseEvent], bool], app: str | None = None,
                     until: int | None = None) -> AsyncIterator[LoggedEvent]:
        """Every logged event after offset `after` that matches, in log order with none skipped, each with its note:
        from the database up to the offset the projector folded through, then live as it folds more; or up to
        `until` (folded already), and no further. `app` narrows the query itself; `match` is checked on each event."""
        async with contextlib.aclosing(self.followed(after, app, until)) as rows:
            async for row in rows:
                event = ReleaseEvent.model_validate_json(row.body)
                if match(event):
                    yield LoggedEvent(row.log_offset, event, row.note)
