"""Approvals given to releases that need several approvers (issue 18).

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "greenlight_approvals",
        sa.Column("release_id", sa.String(64), primary_key=True),
        sa.Column("approver", sa.String(100), primary_key=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("comment", sa.Text),
    )


def downgrade() -> None:
    op.drop_table("greenlight_approvals")
