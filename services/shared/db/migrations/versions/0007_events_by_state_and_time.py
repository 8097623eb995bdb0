"""The log's events indexed by state and time, so that the delivery metrics (services/approval/delivery_reads.py:
on every `/metrics` scrape and `GET /metrics/delivery`) find the releases that went live in a window without
reading every event the log ever held. On PostgreSQL built concurrently (online_index.py): the projectors write
events meanwhile.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

from alembic import op

from services.shared.db.migrations.online_index import create_index_online

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_index_online("events_by_state_time", "events", ["state", "occurred_at"])


def downgrade() -> None:
    op.drop_index("events_by_state_time", table_name="events")
