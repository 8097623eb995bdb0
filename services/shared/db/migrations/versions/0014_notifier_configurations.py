"""Each configuration of the notifier's GREENLIGHT_NOTIFIER_SUBSCRIPTIONS, by the hash of what it writes into
`greenlight_subscription_states`, with when replicas running it were first seen, have run since and were last seen:
during a rolling update that changes the setting, only the newest configuration still run writes the environment's
subscriptions, so old and new replicas no longer undo each other's every re-binding
(services/notifier/configurations.py).

Additive: a table 0013's code never reads (its replicas write as before), so that code can still use the schema.

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from services.shared.db.migrations.oldest_usable import declare

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "greenlight_notifier_configurations",
        sa.Column("hash", sa.String(64), primary_key=True),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("run_since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
    )
    declare("0014")


def downgrade() -> None:
    op.drop_table("greenlight_notifier_configurations")
    declare("0013")
