"""The delivery metrics' queries of the read model's events: which events count (folded, serving users, no
analysis measurement), and the look back before a window by (app, commit) (delivery_reads.py reads them)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from services.shared.db.json_text import json_text
from services.shared.db.schema import events
from services.shared.dora_history import IN_PRODUCTION as PRODUCTION
from services.shared.protocol import ReleaseState as S

FOLDED = sa.and_(events.c.variant == 0, events.c.note.is_(None))
COMMIT = json_text(events.c.body, "release", "commit")


def not_a_measurement(table: sa.FromClause) -> sa.ColumnElement[bool]:
    # The first `verifying` is the switcher's; the analysis adds one per measurement (hundreds in a long watch).
    return sa.or_(table.c.state != S.VERIFYING.value, json_text(table.c.body, "details", "measurement").is_(None))


def serving(table: sa.FromClause) -> sa.ColumnElement[bool]:  # of the events or an alias
    return sa.and_(table.c.state.in_([s.value for s in PRODUCTION]), not_a_measurement(table),
                   table.c.variant == 0, table.c.note.is_(None))


NOT_A_MEASUREMENT, IN_PRODUCTION = not_a_measurement(events), serving(events)


def first_builds(apps: Sequence[str], commits: Sequence[str]) -> sa.Select[Any]:
    """The first `built` of each (app, commit) that recorded commits (a promotion's records none)."""
    recorded = json_text(events.c.body, "details", "commits")
    # Found by app, commit and state (index `events_by_app_commit`): not by reading every `built` of the log.
    return (sa.select(sa.func.min(events.c.id).label("id"))
            .where(events.c.state == S.BUILT.value, FOLDED, events.c.app.in_(apps), COMMIT.in_(commits),
                   recorded.is_not(None), recorded != "[]")
            .group_by(events.c.app, COMMIT))


def first_lives(since: datetime, apps: Sequence[str], commits: Sequence[str]) -> sa.Select[Any]:
    """When each (app, commit) first served users before `since`, by a release not given an image."""
    # Each candidate's own `requested`, found by its release id (the unique key's index): the set of every
    # release given an image, read from every `requested` of the apps, was a scan of their whole history. The
    # state is compared as `state || ''`, which no index serves: SQLite, with no statistics, otherwise walked
    # every `requested` of the log by the state index, for each candidate.
    request = events.alias("request")
    given_image = (sa.select(request.c.id)
                   .where(request.c.release_id == events.c.release_id,
                          request.c.state.concat("") == S.REQUESTED.value,
                          request.c.variant == 0, request.c.note.is_(None),
                          json_text(request.c.body, "details", "image").is_not(None),
                          json_text(request.c.body, "details", "from_release").is_(None)))
    # Found by app, commit, state and time (index `events_by_app_commit`): not by reading every earlier event
    # of the production states.
    return (sa.select(events.c.app, COMMIT.label("sha"), sa.func.min(events.c.occurred_at))
            .where(events.c.app.in_(apps), COMMIT.in_(commits), IN_PRODUCTION, events.c.occurred_at < since,
                   ~given_image.exists())
            .group_by(events.c.app, COMMIT))
