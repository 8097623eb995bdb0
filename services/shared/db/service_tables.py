"""The tables the services keep their own state in, beside the read model (on the same `metadata`, after
read_model_tables.py's): the notifier's subscriptions and deliveries, the API's hook claims, approvals and stream
tickets, and the oldest revision that can use the schema."""

from __future__ import annotations

import sqlalchemy as sa

from services.shared.db.read_model_tables import UTC_TIME, metadata

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
    # The release's `created_at` (migration 0017; null for an approval an older Greenlight recorded), so that...
    sa.Column("release_created_at", UTC_TIME),
)
# ...the releases one person gave an approval to are read in the order `GET /releases?approver=` pages them: the
# earlier approvers of a release that needed several, not only the one who completed the count (queries.py).
sa.Index("greenlight_approvals_by_approver", greenlight_approvals.c.approver, greenlight_approvals.c.release_created_at,
         greenlight_approvals.c.release_id)

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
