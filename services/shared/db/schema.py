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

# The read model's tables first, so `metadata` holds them in the order it always has.
from services.shared.db.read_model_tables import (
    REQUESTED_EVENT,
    UTC_TIME,
    apps,
    events,
    metadata,
    projection,
    releases,
)
from services.shared.db.service_tables import (
    greenlight_approvals,
    greenlight_hook_claims,
    greenlight_notifier_configurations,
    greenlight_notifier_deliveries,
    greenlight_oldest_usable,
    greenlight_stream_tickets,
    greenlight_subscription_states,
    greenlight_subscriptions,
)

__all__ = [
    "REQUESTED_EVENT",
    "UTC_TIME",
    "apps",
    "events",
    "greenlight_approvals",
    "greenlight_hook_claims",
    "greenlight_notifier_configurations",
    "greenlight_notifier_deliveries",
    "greenlight_oldest_usable",
    "greenlight_stream_tickets",
    "greenlight_subscription_states",
    "greenlight_subscriptions",
    "metadata",
    "projection",
    "releases",
]
