"""The notifier's subscriptions and delivery records, and the git hooks' claims (issue 19).

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None
UTC_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "greenlight_subscriptions",
        sa.Column("id", sa.String(63), primary_key=True),
        sa.Column("spec", sa.Text, nullable=False),
    )
    op.create_table(
        "greenlight_notifier_deliveries",
        sa.Column("subscription_id", sa.String(63), primary_key=True),
        sa.Column("event_id", sa.String(200), primary_key=True),
        sa.Column("release_id", sa.String(100), nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("state", sa.String(40), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("last_error", sa.Text),
        sa.Column("updated_at", UTC_TIME, nullable=False),
    )
    op.create_index("ix_greenlight_notifier_deliveries_release_id", "greenlight_notifier_deliveries",
                    ["release_id"])
    op.create_table(
        "greenlight_hook_claims",
        sa.Column("key", sa.String(400), primary_key=True),
        sa.Column("claimed_at", UTC_TIME, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("greenlight_hook_claims")
    op.drop_table("greenlight_notifier_deliveries")
    op.drop_table("greenlight_subscriptions")
