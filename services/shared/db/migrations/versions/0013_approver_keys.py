"""Each approval's caller key (services/approval/four_eyes.py: a keyed hash of the token, or the Slack user id), which
a rename of the token or the Slack user leaves alone, so that one credential counts once towards several required
approvals under any of its names (services/approval/approvals.py).

Additive: a nullable column of `greenlight_approvals`, which 0012's code neither reads nor writes (its inserts name
their columns), so that code can still use the schema; an approval it records has no key and counts by name.

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from services.shared.db.migrations.oldest_usable import declare

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("greenlight_approvals") as batch:
        batch.add_column(sa.Column("approver_key", sa.String(100)))
    declare("0013")


def downgrade() -> None:
    with op.batch_alter_table("greenlight_approvals") as batch:
        batch.drop_column("approver_key")
    declare("0012")
