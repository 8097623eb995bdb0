"""The reads the API shows (its lists, a release's detail, the event streams), which any version's rows pass.

A release or event that a newer Greenlight stored (newer_rows.py) comes back as stored and marked, where a typed read
(release_reads.py, which inherits these) refuses it: an older replica in a rolling upgrade answered 500 to every
list holding such a release, and its event streams stopped at the first such event.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncGenerator, Sequence
from typing import Any

import sqlalchemy as sa

from services.shared.db import queries
from services.shared.db.driver import fetch
from services.shared.db.newer_rows import NewerRelease, ShownEvent, shown_event, shown_release
from services.shared.db.queries import ReleaseFilter
from services.shared.db.rows import utc
from services.shared.db.schema import events
from services.shared.db.signals import FoldSignals
from services.shared.db.writer import Reader
from services.shared.protocol import TERMINAL
from services.shared.release import Release

_FOLDED_OFFSET = sa.select(events.c.log_offset).where(
    events.c.release_id == sa.bindparam("id"), events.c.seq == sa.bindparam("seq"), events.c.variant == 0)


class ShownReads(FoldSignals):
    """ReleaseDatabase's reads for showing, and the two ways every read reaches the database."""

    reader: Reader
    poll_interval: float

    async def rows(self, query: sa.Executable, params: dict[str, Any] | None = None) -> Sequence[Any]:
        """Every row of one read, in one trip to a reader thread (on SQLite; see writer.py)."""
        return await self.reader.run(queries.all_rows, query, params or {})

    async def keyed(self, query: sa.ClauseElement, params: dict[str, Any]) -> list[tuple[Any, ...]]:
        """The rows of one of the hot keyed reads (a module constant), as tuples, through the driver's cursor
        (driver.py): the gate, the standby's offset poll, a release's history."""
        return await self.reader.one_statement(fetch, query, params)

    async def exists(self, release_id: str) -> bool:
        return bool(await self.keyed(queries.EXISTS, {"id": release_id}))

    async def logged_at(self, release_id: str, seq: int) -> bool:
        """Whether the event folded for the release's `seq` is the log's (it has an offset), not a record of a
        service's own still waiting for its echo (one that can yet be forgotten: releases.py `forget`)."""
        found = await self.keyed(_FOLDED_OFFSET, {"id": release_id, "seq": seq})
        return bool(found) and found[0][0] is not None

    async def ended_at(self, release_id: str) -> int | None:
        """The log offset of the release's own last event (a terminal state), None while it has none."""
        found = await self.keyed(queries.ENDED_AT, {"id": release_id, "states": [s.value for s in TERMINAL]})
        return None if not found or found[0][0] is None else int(found[0][0])

    async def shown_page(self, where: ReleaseFilter, limit: int, after: tuple[object, str] | None
                         ) -> tuple[list[Release | NewerRelease], bool]:
        """`page` (release_reads.py), each release as it may be shown."""
        rows = await self.rows(queries.page_query(where, limit + 1, after))
        return [shown_release(row.snapshot, row.id, utc(row.created_at)) for row in rows[:limit]], len(rows) > limit

    async def shown_detail(self, release_id: str) -> tuple[Release | NewerRelease | None, list[ShownEvent]]:
        """`detail` (release_reads.py), the release and each event as they may be shown."""
        rows = await self.keyed(queries.DETAIL, {"id": release_id})
        if not rows or rows[0][0] != -1:  # events recorded ahead of the release's row: not there yet
            return None, []
        release = shown_release(rows[0][4], release_id)
        app = release.app if isinstance(release, Release) else None
        return release, [ShownEvent(offset, shown_event(body, release_id, app), note)
                         for _, _, offset, note, body in rows[1:]]

    async def shown_history(self, release_id: str) -> list[ShownEvent]:
        rows = await self.keyed(queries.HISTORY, {"id": release_id})
        return [ShownEvent(offset, shown_event(body, release_id), note) for offset, note, body in rows]

    async def follow_shown(self, after: int, app: str | None = None, until: int | None = None
                           ) -> AsyncGenerator[ShownEvent, None]:
        """`follow` (release_reads.py) of every event, each as it may be shown."""
        # Closed here, not left to a finaliser task, when the caller closes this one (as fanout.py does).
        async with contextlib.aclosing(self.followed(after, app, until)) as rows:
            async for row in rows:
                yield ShownEvent(row.log_offset, shown_event(row.body, row.release_id, row.app), row.note)

    async def followed(self, after: int, app: str | None, until: int | None) -> AsyncGenerator[Any, None]:
        """The rows of every logged event after offset `after`, in log order with none skipped: from the database up
        to the offset the projector folded through, then live as it folds more; or up to `until`, and no further."""
        while True:
            seen = self.version
            rows = await self.rows(queries.followed(after, app, until))
            for row in rows:
                after = row.log_offset
                yield row
            if len(rows) == queries.PAGE:
                continue
            if until is not None:
                return
            await self.changed(seen, self.poll_interval)  # the timeout covers writes only another replica saw
