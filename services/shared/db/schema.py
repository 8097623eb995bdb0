"""The tables of the read model. The migrations (migrations/versions/) create exactly these; a test checks that.

releases    one row per release: its latest folded snapshot, plus the columns the API filters and sorts on
events      every event of every release, in the log's order (`log_offset`); conflicting twins kept as variants
apps        per app: the live release and the colour it runs on, the standby, the release in flight
projection  per log stream: the offset folded so far, committed with the events it covers
greenlight_subscriptions, greenlight_notifier_deliveries, greenlight_hook_claims: the notifier's subscriptions and
            delivery records, and the claims on hook delivery ids and commits (issue 19) and on parked approval
            policy timers
greenlight_subscription_states: a subscription's rotated secret, its disabling (410), the ids the environment holds
greenlight_notifier_configurations: each GREENLIGHT_NOTIFIER_SUBSCRIPTIONS the notifier replicas run, first and last
            seen: the newest one still run writes the environment's subscriptions (services/notifier/configurations.py)
greenlight_approvals: each approval given to a release that needs several (issue 18): one row per approver
greenlight_stream_tickets: the API's single-use stream tickets, shared by its replicas (issue 15)
greenlight_oldest_usable: one row: the oldest revision whose code can still use the schema (migrations/oldest_usable.py)
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

greenlight_subscriptions = sa.Table(
    "greenlight_subscriptions", metadata,
    sa.Column("id", sa.String(63), primary_key=True),
    sa.Column("spec", sa.Text, nullable=False),  # the SubscriptionSpec as JSON, secret included
)

# A subscription's state (migration 0008), for those of the API and of GREENLIGHT_NOTIFIER_SUBSCRIPTIONS alike
# (services/shared/subscription_states.py). A row of its own, not columns of the spec's: a notifier of 0007 reads
# `greenlight_subscriptions` unchanged.
greenlight_subscription_states = sa.Table(
    "greenlight_subscription_states", metadata,
    sa.Column("id", sa.String(63), primary_key=True),
    sa.Column("environment", sa.Text),  # set: the environment holds this id; its public view (URL masked), as JSON
    sa.Column("disabled_at", UTC_TIME),  # its receiver answered 410 Gone: nothing more is sent to it
    sa.Column("disabled_reason", sa.String(200)),
    sa.Column("previous_secret", sa.Text),  # the secret a rotation replaced, which still signs until...
    sa.Column("previous_secret_until", UTC_TIME),
    # The last `POST /subscriptions/{id}/enable` (0012): a 410 answered before it does not disable it again.
    sa.Column("enabled_at", UTC_TIME),
)

# Each configuration of the notifier's environment subscriptions (migration 0014), by the hash of what it writes
# into greenlight_subscription_states: during a rolling update that changes it, the newest still run writes alone.
greenlight_notifier_configurations = sa.Table(
    "greenlight_notifier_configurations", metadata,
    sa.Column("hash", sa.String(64), primary_key=True),
    sa.Column("first_seen", UTC_TIME, nullable=False),  # or seen again after others ran on without it
    sa.Column("run_since", UTC_TIME, nullable=False),  # the start of its current run: seen without a gap since
    sa.Column("last_seen", UTC_TIME, nullable=False),
)

greenlight_notifier_deliveries = sa.Table(
    "greenlight_notifier_deliveries", metadata,
    sa.Column("subscription_id", sa.String(63), primary_key=True),
    sa.Column("event_id", sa.String(200), primary_key=True),
    sa.Column("release_id", sa.String(100), nullable=False, index=True),
    sa.Column("seq", sa.Integer, nullable=False),
    sa.Column("state", sa.String(40), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("last_error", sa.Text),  # a status code or an exception's class: never a URL (Slack's hold a token)
    sa.Column("updated_at", UTC_TIME, nullable=False),
)

greenlight_hook_claims = sa.Table(
    "greenlight_hook_claims", metadata,
    sa.Column("key", sa.String(400), primary_key=True),
    # Indexed: claims past their retention are deleted by age (services/approval/hook_claims.py, migration 0006).
    sa.Column("claimed_at", UTC_TIME, nullable=False, index=True),
)

# One row per (release, approver): the primary key makes a repeated or concurrent approval by the same person
# count once, on any number of API replicas.
greenlight_approvals = sa.Table(
    "greenlight_approvals", metadata,
    sa.Column("release_id", sa.String(64), primary_key=True),
    sa.Column("approver", sa.String(100), primary_key=True),
    sa.Column("approved_at", UTC_TIME, nullable=False),
    sa.Column("comment", sa.Text),
    sa.Column("approver_key", sa.String(100)),  # the caller key a rename leaves alone (migration 0013)
)

# The API's stream tickets (services/approval/tickets.py): any replica redeems what any replica issued, once.
greenlight_stream_tickets = sa.Table(
    "greenlight_stream_tickets", metadata,
    sa.Column("digest", sa.String(64), primary_key=True),  # sha256 of the ticket: the ticket itself is not kept
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("roles", sa.String(200), nullable=False),  # comma-separated, as granted when it was issued
    sa.Column("expires_at", UTC_TIME, nullable=False, index=True),
)

# One row (migration 0011): the oldest revision whose code can still use this schema, and the migration that said so
# (migrations/oldest_usable.py): what lets an older Greenlight start against a database a newer one migrated.
greenlight_oldest_usable = sa.Table(
    "greenlight_oldest_usable", metadata,
    sa.Column("revision", sa.String(32), primary_key=True),
    sa.Column("oldest_usable", sa.String(32), nullable=False),
)
