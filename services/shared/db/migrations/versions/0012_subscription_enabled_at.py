"""When a subscription was last enabled (`POST /subscriptions/{id}/enable`), so that a 410 Gone answered before that
enable, and processed after it, does not disable the subscription again (services/shared/subscription_states.py).

Additive: a nullable column of `greenlight_subscription_states`, which 0011's code never reads (its enable leaves it
as it is, its disabling does not look at it), so that code can still use the schema.

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from services.shared.db.migrations.oldest_usable import declare

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("greenlight_subscription_states") as batch:
        batch.add_column(sa.Column("enabled_at", sa.DateTime(timezone=True)))
    declare("0012")


def downgrade() -> None:
    with op.batch_alter_table("greenlight_subscription_states") as batch:
        batch.drop_column("enabled_at")
    declare("0011")
