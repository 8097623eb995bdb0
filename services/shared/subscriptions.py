"""Notification subscriptions: who wants which release events, where, signed with which secret.

Shared by the approval service (the admin API writes them) and the notifier (reads them per event),
so a subscription added through the API takes effect with the next event, on every notifier replica.
An id is either the API's or GREENLIGHT_NOTIFIER_SUBSCRIPTIONS': the notifier holds its environment's ids in the
database (subscription_states.py), and the API refuses one of them (`HeldByEnvironment`).

By job: what a subscription is (subscription_specs.py), the API's table of them (subscription_table.py), and the
rows both services read (subscription_rows.py); their names are all importable from here as before.
"""

from __future__ import annotations

from services.shared.subscription_rows import (
    DISABLED,
    FOR_NOW,
    REMOVED,
    STATE_COLUMNS,
    STATE_FIELDS,
    deliveries,
    from_row,
    held_by_environment,
    secret_read,
    secret_stored,
    settle_pending,
    state_of,
    states,
    subscriptions,
    with_states,
)
from services.shared.subscription_specs import (
    NOTIFIED,
    SLACK_STATES,
    EnvironmentSubscription,
    Subscription,
    SubscriptionId,
    SubscriptionSpec,
)
from services.shared.subscription_table import HeldByEnvironment, SubscriptionExists, SubscriptionTable

__all__ = [
    "DISABLED", "FOR_NOW", "NOTIFIED", "REMOVED", "SLACK_STATES", "STATE_COLUMNS", "STATE_FIELDS",
    "EnvironmentSubscription", "HeldByEnvironment", "Subscription", "SubscriptionExists", "SubscriptionId",
    "SubscriptionSpec", "SubscriptionTable", "deliveries", "from_row", "held_by_environment", "secret_read",
    "secret_stored", "settle_pending", "state_of", "states", "subscriptions", "with_states",
]
