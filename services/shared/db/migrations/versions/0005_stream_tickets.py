"""The API's stream tickets in the database, so that every API replica redeems them (issue 15).

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None
UTC_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "greenlight_stream_tickets",
        sa.Column("digest", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("roles", sa.String(200), nullable=False),
        sa.Column("expires_at", UTC_TIME, nullable=False),
    )
    op.create_index("ix_greenlight_stream_tickets_expires_at", "greenlight_stream_tickets", ["expires_at"])


def downgrade() -> None:
    op.drop_table("greenlight_stream_tickets")
