"""Releases, their event history, and the projection offset.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None
UTC_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "releases",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("app", sa.String(63), nullable=False),
        sa.Column("state", sa.String(32), nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("colour", sa.String(8)),
        sa.Column("requested_by", sa.String(100), nullable=False),
        sa.Column("approver", sa.String(100)),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.Column("updated_at", UTC_TIME, nullable=False),
        sa.Column("snapshot", sa.Text, nullable=False),
    )
    op.create_index("releases_by_time", "releases", ["created_at", "id"])
    op.create_index("releases_by_app", "releases", ["app", "created_at"])
    op.create_index("releases_by_state", "releases", ["state", "created_at"])
    op.create_index("releases_by_requester", "releases", ["requested_by", "created_at"])
    op.create_index("releases_by_approver", "releases", ["approver", "created_at"])
    op.create_table(
        "events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
        sa.Column("release_id", sa.String(64), nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("variant", sa.Integer, nullable=False, server_default="0"),
        sa.Column("app", sa.String(63), nullable=False),
        sa.Column("state", sa.String(32), nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("occurred_at", UTC_TIME, nullable=False),
        sa.Column("log_offset", sa.BigInteger),
        sa.Column("note", sa.String(200)),
        sa.Column("body", sa.Text, nullable=False),
        sa.UniqueConstraint("release_id", "seq", "variant", name="one_event_per_seq_variant"),
    )
    op.create_index("events_by_offset", "events", ["log_offset"], unique=True)
    op.create_index("events_by_app_offset", "events", ["app", "log_offset"])
    op.create_table(
        "projection",
        sa.Column("stream", sa.String(255), primary_key=True),
        sa.Column("log_offset", sa.BigInteger, nullable=False),
        sa.Column("updated_at", UTC_TIME, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("projection")
    op.drop_table("events")
    op.drop_table("releases")
