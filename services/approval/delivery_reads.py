"""What the delivery metrics read from the read model: bounded, whatever the history holds.

A window's releases are folded one by one into small summaries as their events stream in (only the states the
keys read), at most `MAX_RELEASES` of them: a window holding more starts later, and the answer's `since` says
where. Its changes' earlier history is read by (app, commit) (index `events_by_app_commit`), not whole: when
each first went live before the window, and the commit time a build recorded for a commit the window's releases did
not build themselves (with the range it shipped, `built`'s `shipped`). The look back is by each release's own
commit: a commit a release shipped beside its own is known live before the window only as some release's commit
(shipped before only inside another's range, then taken off by a rollback and shipped again, it counts again).

What it counts is what this version reads. In a rolling upgrade the history may hold a newer Greenlight's events
(services/shared/db/newer_rows.py): one in a state this version does not know is never read (the queries name the
states the keys read), and one of a state it knows in a shape its model refuses (a newer schema version) is skipped,
its release summarised from the rest of its events (a `live` skipped: no deployment here). Such an event answered 500.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncConnection

from services.approval.delivery_queries import (
    FOLDED,
    IN_PRODUCTION,
    NOT_A_MEASUREMENT,
    first_builds,
    first_lives,
    serving,
)
from services.approval.models import in_utc
from services.shared.db.releases import ReleaseDatabase
from services.shared.db.schema import events
from services.shared.dora import Change
from services.shared.dora_history import STATES, EventFacts, Summary, summarise

MAX_RELEASES = 10_000  # ~4 events each parsed, ~0.5 kB kept each
TICK = timedelta(microseconds=1)
CHUNK = 1000  # rows fetched at once


async def window_summaries(database: ReleaseDatabase, since: datetime, app: str | None = None,
                           ) -> tuple[datetime, list[Summary], dict[Change, datetime]]:
    """The window's start (later than `since` when it holds more than `MAX_RELEASES`), the summaries of the
    releases live in it and of the builds that recorded their commits' times, and the first `live` before
    it of each of their changes."""
    since = in_utc(since)  # as the log's times are stored: SQLite compares the digits, whatever the offset
    async with database.engine.connect() as connection:
        since = await _bounded_start(connection, since, app)
        went_live = sa.select(events.c.release_id).where(IN_PRODUCTION, events.c.occurred_at >= since)
        if app is not None:
            went_live = went_live.where(events.c.app == app)
        summaries = await _summaries(connection, went_live.distinct().subquery("went_live"))
        changes = {(s.app, s.commit) for s in summaries if s.commit is not None and s.live_at is not None}
        apps, commits = sorted({a for a, _ in changes}), sorted({c for _, c in changes})
        if not changes:
            return since, summaries, {}
        # By app: another app's build of the commit (one repository, two apps) recorded its own app's range.
        unknown = {(s.app, s.commit) for s in summaries if s.commit is not None} - {
            (s.app, s.commit) for s in summaries if s.commit_time is not None}
        if unknown:
            summaries += await _summaries(connection, first_builds(
                sorted({a for a, _ in unknown}), sorted({c for _, c in unknown})).subquery("first_builds"))
        return since, summaries, await _live_before(connection, since, apps, commits, changes)


async def _bounded_start(connection: AsyncConnection, since: datetime, app: str | None) -> datetime:
    # Each release once, at its first time serving: counting events, a release with post checks counted twice
    # (`verifying`, then `live`), and the window held half the releases it may.
    earlier = events.alias("earlier")
    served_before = sa.select(earlier.c.id).where(earlier.c.release_id == events.c.release_id,
                                                  earlier.c.seq < events.c.seq, serving(earlier)).exists()
    lives = sa.select(events.c.occurred_at).where(IN_PRODUCTION, events.c.occurred_at >= since, ~served_before)
    if app is not None:
        lives = lives.where(events.c.app == app)
    # Beyond the limit, the window starts just after the first release it leaves out.
    beyond = (await connection.execute(lives.order_by(events.c.occurred_at.desc())
                                       .offset(MAX_RELEASES).limit(1))).scalar()
    return since if beyond is None else in_utc(beyond) + TICK


async def _summaries(connection: AsyncConnection, named: sa.Subquery) -> list[Summary]:
    """The summaries of the releases `named` (a subquery of `release_id`s), or of the events it names (of `id`s)."""
    query = _events_of(named)
    summaries: list[Summary] = []
    current: list[EventFacts] = []
    # A chunk of rows at a time: row by row, each row was a hand-over to the driver's thread and back (half the
    # time of a 10,000-release window); one release's events held at a time.
    async for chunk in (await connection.stream(query)).partitions():
        for release_id, body in chunk:
            if current and current[0].release_id != release_id:
                summaries += [s for s in (summarise(current),) if s is not None]
                current = []
            try:
                current.append(EventFacts.model_validate_json(body))
            except ValidationError:
                continue  # a newer Greenlight's event this version cannot read (see the module's docstring)
    return summaries + [s for s in (summarise(current),) if s is not None]


def _events_of(named: sa.Subquery) -> sa.Select[Any]:
    key = "release_id" if "release_id" in named.c else "id"
    # Joined, not `IN (...)`: SQLite would then walk every event of the read states by the state index and test
    # each against the list (0.17 s for an empty window over 220,000 events, 1.5 ms joined; the first builds'
    # events alike, 0.7 s over 600,000).
    return (sa.select(events.c.release_id, events.c.body)
            .join_from(named, events, events.c[key] == named.c[key])
            .where(FOLDED, events.c.state.in_([s.value for s in STATES]), NOT_A_MEASUREMENT)
            .order_by(events.c.release_id, events.c.seq)
            .execution_options(yield_per=CHUNK))


async def _live_before(connection: AsyncConnection, since: datetime, apps: Sequence[str], commits: Sequence[str],
                       changes: set[Change]) -> dict[Change, datetime]:
    query = first_lives(since, apps, commits)
    return {(app, sha): in_utc(at) for app, sha, at in await connection.execute(query) if (app, sha) in changes}
