"""The read model's queries, built once where they are hot (the gate, a history, the one-in-flight check, an
app's row) and run through the driver's cursor (driver.py); the rest are built per call."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from services.shared.db.json_text import json_text
from services.shared.db.rows import utc
from services.shared.db.schema import apps, events, projection, releases
from services.shared.db.schema import greenlight_approvals as approvals

PAGE = 500  # events per query when a stream catches up
IN_FLIGHT_SNAPSHOT = sa.select(releases.c.snapshot).where(releases.c.app == sa.bindparam("app"), releases.c.in_flight)
SNAPSHOT = sa.select(releases.c.snapshot).where(releases.c.id == sa.bindparam("id"))
EXISTS = sa.select(releases.c.id).where(releases.c.id == sa.bindparam("id"))  # nothing to parse: any version's row
HISTORY = (sa.select(events.c.log_offset, events.c.note, events.c.body)
           .where(events.c.release_id == sa.bindparam("id")).order_by(events.c.seq, events.c.variant))
HISTORY_IN = HISTORY.where(events.c.state.in_(sa.bindparam("states", expanding=True)))
# The offset of a release's own last event (one of `states`, folded as the release's), or NULL: no body parsed.
ENDED_AT = (sa.select(sa.func.max(events.c.log_offset))
            .where(events.c.release_id == sa.bindparam("id"), events.c.note.is_(None),
                   events.c.state.in_(sa.bindparam("states", expanding=True))))
# A release's snapshot (first, as seq -1) and its history, in one statement: one snapshot of the database on both
# (GET /releases/{id} read them in two, and a commit between them showed a release in one state beside a history
# that had moved on, or not yet reached it, and an approval status made of that history).
DETAIL = sa.union_all(
    sa.select(sa.literal(-1).label("seq"), sa.literal(0).label("variant"),
              sa.cast(sa.null(), events.c.log_offset.type).label("log_offset"),
              sa.cast(sa.null(), events.c.note.type).label("note"), releases.c.snapshot.label("body"))
    .where(releases.c.id == sa.bindparam("id")),
    sa.select(events.c.seq, events.c.variant, events.c.log_offset, events.c.note, events.c.body)
    .where(events.c.release_id == sa.bindparam("id")),
).order_by(sa.literal_column("seq"), sa.literal_column("variant"))
LATEST = (sa.select(events.c.body)
          .where(events.c.release_id == sa.bindparam("id"), events.c.variant == 0, events.c.note.is_(None))
          .order_by(events.c.seq.desc()).limit(1))
# The offset the projector committed through: every event at or below it is stored, since a batch folds the log
# in order. One above it may be stored ahead of older ones still in a batch (a decision records the events it
# continues as they arrive, arrivals.py): a reader that went past it would never be shown those older ones.
FOLDED_THROUGH = sa.select(sa.func.coalesce(sa.func.max(projection.c.log_offset), -1)).scalar_subquery()
# The app's row and the snapshots of the releases it names, in one statement: one snapshot of the database on both.
# (It was two statements in one transaction, which PostgreSQL's READ COMMITTED ran in two snapshots: a commit between
# them gave a row the database never held, `live` naming a release whose snapshot was rolling back.) One round trip,
# and no transaction around it (`ReleaseDatabase.keyed`).
_NAMED = {column: releases.alias(f"{column}_r") for column in ("live", "standby", "in_flight")}
APP_NAMES = tuple(_NAMED)
APP = (sa.select(apps.c.live_colour, apps.c.live_release, apps.c.standby_release, apps.c.in_flight_release,
                 *(named.c.snapshot for named in _NAMED.values()))
       .select_from(apps.outerjoin(_NAMED["live"], _NAMED["live"].c.id == apps.c.live_release)
                    .outerjoin(_NAMED["standby"], _NAMED["standby"].c.id == apps.c.standby_release)
                    .outerjoin(_NAMED["in_flight"], _NAMED["in_flight"].c.id == apps.c.in_flight_release))
       .where(apps.c.app == sa.bindparam("app")))


def followed(after: int, app: str | None, until: int | None = None) -> sa.Select[Any]:
    """The next page of logged events after offset `after` (of one app, if given) that a follower may be shown:
    folded through, and up to `until` if given; each with its note (why it was not folded, or None)."""
    # The release id and app from the row: an event a newer Greenlight wrote is matched by them too (newer_rows.py).
    query = sa.select(events.c.log_offset, events.c.note, events.c.body, events.c.release_id, events.c.app).where(
        events.c.log_offset > after, events.c.log_offset <= (FOLDED_THROUGH if until is None else until))
    if app is not None:
        query = query.where(events.c.app == app)
    return query.order_by(events.c.log_offset).limit(PAGE)


@dataclass(frozen=True)
class ReleaseFilter:
    app: str | None = None
    state: str | None = None  # a state's name: this version's (a ReleaseState) or a newer Greenlight's, as stored
    requested_by: str | None = None
    approver: str | None = None
    since: object = None  # datetime | None; created at or after
    until: object = None  # datetime | None; created before


def page_query(where: ReleaseFilter, limit: int, after: tuple[object, str] | None) -> sa.Select[Any]:
    """Up to `limit` releases' snapshots newest first, after the (created_at, id) position; with that position (a
    snapshot a newer Greenlight wrote is paged past by it)."""
    matching = [*_matching(where), *_window(where, after, releases.c.created_at, releases.c.id)]
    if where.approver is None:
        return sa.select(*_SHOWN).where(*matching).order_by(*_NEWEST).limit(limit)
    # Who decided (the read model's column) or gave one of several approvals (the API's table): each side's first
    # `limit` in the order of its index (releases_by_approver; greenlight_approvals_by_approver, by the release's
    # creation time copied into the approval), then the first `limit` of them all. Approvals an older Greenlight
    # recorded have no creation time (migration 0017): a third side, found by the same index (approver, then null).
    # Read by an index on the approver alone, the approvals were each looked up and all sorted: 42 ms a page on
    # SQLite for one who gave 50,000 (bench/approver_filter_bench.py). Releases X decided are the first side's
    # alone: the sides never overlap, and their union needs no comparison of whole snapshots.
    given = (sa.select(*_SHOWN).select_from(releases.join(approvals, approvals.c.release_id == releases.c.id))
             .where(*matching, approvals.c.approver == where.approver,
                    sa.or_(releases.c.approver != where.approver, releases.c.approver.is_(None))))
    sides = (sa.select(*_SHOWN).where(*matching, releases.c.approver == where.approver).order_by(*_NEWEST),
             given.where(approvals.c.release_created_at.is_not(None),  # PostgreSQL sorts nulls first
                         *_window(where, after, approvals.c.release_created_at, approvals.c.release_id))
             .order_by(approvals.c.release_created_at.desc(), approvals.c.release_id.desc()),
             given.where(approvals.c.release_created_at.is_(None)).order_by(*_NEWEST))
    found = sa.union_all(*(sa.select(side.limit(limit).subquery()) for side in sides)).subquery()
    return sa.select(found.c.snapshot, found.c.created_at, found.c.id) \
        .order_by(found.c.created_at.desc(), found.c.id.desc()).limit(limit)


_SHOWN = (releases.c.snapshot, releases.c.created_at, releases.c.id)
_NEWEST = (releases.c.created_at.desc(), releases.c.id.desc())


def _matching(where: ReleaseFilter) -> list[sa.ColumnElement[bool]]:
    """The filter's conditions on a release's app, requester and state."""
    conditions = [column == value for column, value in ((releases.c.app, where.app),
                                                        (releases.c.requested_by, where.requested_by))
                  if value is not None]
    if where.state is not None:
        conditions.append(releases.c.state == str(where.state))
    return conditions


def _window(where: ReleaseFilter, after: tuple[object, str] | None, created: sa.ColumnElement[Any],
            ident: sa.ColumnElement[Any]) -> list[sa.ColumnElement[bool]]:
    """The filter's time window and the cursor's position, on a release's creation time and id as `created` and
    `ident` (the release's own columns, or an approval's copy of them)."""
    conditions = []
    if where.since is not None:
        conditions.append(created >= utc(where.since))  # type: ignore[arg-type]
    if where.until is not None:
        conditions.append(created < utc(where.until))  # type: ignore[arg-type]
    if after is not None:
        at, release_id = after
        at = utc(at)  # type: ignore[arg-type]
        # `created <= at` adds nothing to the OR but is a range PostgreSQL can start an index scan at: with the OR
        # alone it walked the index from the newest release, discarding every row before the cursor.
        conditions += [created <= at, sa.or_(created < at, sa.and_(created == at, ident < release_id))]
    return conditions


# The step a release failed in: its snapshot's `error.step`.
_ERROR_STEP = json_text(releases.c.snapshot, "error", "step")


def staged_since_query(app: str, since: object, excluding: Sequence[str]) -> sa.Select[Any]:
    """The snapshot of the newest release of `app` created after `since`, other than `excluding`, that reached the
    cluster: deployed on a colour (the `colour` column) or failed in its deploy step. One row at most, whatever
    the number of releases since (the app's releases by creation time, releases_by_app; the snapshot is read as
    JSON only for those that have no colour)."""
    return (sa.select(releases.c.snapshot)
            .where(releases.c.app == app, releases.c.created_at > utc(since),  # type: ignore[arg-type]
                   releases.c.id.not_in(excluding),
                   sa.or_(releases.c.colour.is_not(None), _ERROR_STEP == "deploy"))
            .order_by(releases.c.created_at.desc(), releases.c.id.desc()).limit(1))


def all_rows(connection: sa.Connection, query: sa.Executable, params: dict[str, Any]) -> Sequence[Any]:
    return connection.execute(query, params).all()
