"""The notifier's subscriptions' states: a secret being rotated, a subscription disabled by its receiver (410), and
the ids GREENLIGHT_NOTIFIER_SUBSCRIPTIONS holds, so that the API refuses them. A table of its own rather than
columns of `greenlight_subscriptions`: a subscription set in the environment has a state too, and a notifier of
0007 reading the subscriptions still finds every row a plain spec.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None
UTC_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "greenlight_subscription_states",
        sa.Column("id", sa.String(63), primary_key=True),
        sa.Column("environment", sa.Text),
        sa.Column("disabled_at", UTC_TIME),
        sa.Column("disabled_reason", sa.String(200)),
        sa.Column("previous_secret", sa.Text),
        sa.Column("previous_secret_until", UTC_TIME),
    )


def downgrade() -> None:
    op.drop_table("greenlight_subscription_states")
