"""The oldest revision whose code can still use the schema (migrations/oldest_usable.py), so that an older
Greenlight started against a database a newer one migrated (a rolling upgrade, a rollback of Greenlight itself)
starts without migrating when every migration since its own only added, and refuses in one line otherwise.

Additive itself: 0010's code can use this schema (it only gains a table), so the row says 0010; 0010's code does
not read the row, though, and still refuses this database: the rule serves rollbacks to 0011 and later.

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from services.shared.db.migrations.oldest_usable import TABLE

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    table = op.create_table(
        TABLE,
        sa.Column("revision", sa.String(32), primary_key=True),  # the migration that last declared it
        sa.Column("oldest_usable", sa.String(32), nullable=False),
    )
    op.bulk_insert(table, [{"revision": "0011", "oldest_usable": "0010"}])


def downgrade() -> None:
    op.drop_table(TABLE)
