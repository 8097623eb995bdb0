"""The read model's own tables, folded from the log: releases, their events, apps, and how far each log stream is
folded. `metadata` is declared here; the services' tables join it in service_tables.py, and schema.py names them all.
"""

from __future__ import annotations

import sqlalchemy as sa

from services.shared.db.json_text import json_text

metadata = sa.MetaData()
UTC_TIME = sa.DateTime(timezone=True)

releases = sa.Table(
    "releases", metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("app", sa.String(63), nullable=False),
    sa.Column("state", sa.String(32), nullable=False),
    sa.Column("seq", sa.Integer, nullable=False),
    # The colour the release was deployed on (its snapshot's `standby_colour`): what serves once it is live.
    sa.Column("colour", sa.String(8)),
    sa.Column("requested_by", sa.String(100), nullable=False),
    sa.Column("approver", sa.String(100)),
    sa.Column("created_at", UTC_TIME, nullable=False),
    sa.Column("updated_at", UTC_TIME, nullable=False),
    # True for at most one release per app (the partial unique index below): the one-in-flight rule.
    sa.Column("in_flight", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("snapshot", sa.Text, nullable=False),
    # The snapshot's `commit` (migration 0016), written by the fold: a push finds the releases of its commit by it.
    # Null in a row older code wrote (a rolling upgrade) until its next event: read from the snapshot then.
    # 64: room for a SHA-256 repository's commits, which a newer Greenlight may take.
    sa.Column("commit_sha", sa.String(64)),
)
sa.Index("releases_by_time", releases.c.created_at, releases.c.id)
sa.Index("releases_by_app", releases.c.app, releases.c.created_at)
sa.Index("releases_by_app_state", releases.c.app, releases.c.state, releases.c.updated_at)
sa.Index("releases_by_state", releases.c.state, releases.c.created_at)
# A page of one app's releases in one state (migration 0010): without it SQLite read every release of the state.
sa.Index("releases_by_app_state_time", releases.c.app, releases.c.state, releases.c.created_at)
sa.Index("releases_by_requester", releases.c.requested_by, releases.c.created_at)
sa.Index("releases_by_approver", releases.c.approver, releases.c.created_at)
# The releases of an app's commit, oldest first (migration 0016): what a push reads to learn whether its commit was
# released.
sa.Index("releases_by_app_commit", releases.c.app, releases.c.commit_sha, releases.c.created_at)
sa.Index("one_release_in_flight_per_app", releases.c.app, unique=True,
         postgresql_where=releases.c.in_flight, sqlite_where=releases.c.in_flight)

events = sa.Table(
    "events", metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
    sa.Column("release_id", sa.String(64), nullable=False),
    sa.Column("seq", sa.Integer, nullable=False),
    # 0: the event the release was folded from. 1, 2…: a different event logged with the same seq (a retried
    # step that decided otherwise): kept for the audit trail, never folded.
    sa.Column("variant", sa.Integer, nullable=False, server_default="0"),
    sa.Column("app", sa.String(63), nullable=False),
    sa.Column("state", sa.String(32), nullable=False),
    sa.Column("actor", sa.String(100), nullable=False),
    sa.Column("occurred_at", UTC_TIME, nullable=False),
    # Null until the log echoes an event that a service recorded right after publishing it.
    sa.Column("log_offset", sa.BigInteger),
    # Why it was not folded: "conflict", "illegal transition …", "late"; null when it was.
    sa.Column("note", sa.String(200)),
    sa.Column("body", sa.Text, nullable=False),
    sa.UniqueConstraint("release_id", "seq", "variant", name="one_event_per_seq_variant"),
)
sa.Index("events_by_offset", events.c.log_offset, unique=True)
sa.Index("events_by_app_offset", events.c.app, events.c.log_offset)
# The releases that went live in a window: the delivery metrics (migration 0007).
sa.Index("events_by_state_time", events.c.state, events.c.occurred_at)
# The events of an app's commit, by state and time: what the delivery metrics read of a window's changes' earlier
# history (when each first went live, the build that recorded its commit time) without reading every event of
# those states the log ever held (migration 0009). The expression is the one their queries filter on, to the byte.
sa.Index("events_by_app_commit", events.c.app, json_text(events.c.body, "release", "commit"), events.c.state,
         events.c.occurred_at)
# The `requested` events by the git account that pushed them (`details.pusher_key`, migration 0015): what that
# account pushed as before (services/approval/hook_pusher_names.py), read without parsing every hook-started
# release's event. Partial: only a `requested` event's body is parsed at its insert. The predicate is a literal, not
# a bound parameter, so that both planners can tell a query of it may use the index.
REQUESTED_EVENT = events.c.state == sa.literal_column("'requested'")
sa.Index("events_by_pusher_key", json_text(events.c.body, "details", "pusher_key"),
         postgresql_where=REQUESTED_EVENT, sqlite_where=REQUESTED_EVENT)

apps = sa.Table(
    "apps", metadata,
    sa.Column("app", sa.String(63), primary_key=True),
    sa.Column("live_release", sa.String(64)),
    sa.Column("live_colour", sa.String(8)),
    sa.Column("standby_release", sa.String(64)),
    sa.Column("in_flight_release", sa.String(64)),
    sa.Column("updated_at", UTC_TIME, nullable=False),
)

projection = sa.Table(
    "projection", metadata,
    sa.Column("stream", sa.String(255), primary_key=True),
    sa.Column("log_offset", sa.BigInteger, nullable=False),
    sa.Column("updated_at", UTC_TIME, nullable=False),
)
