"""The git hooks' claims indexed by age, so that the claims past their retention are deleted without reading the
whole table (services/approval/hook_claims.py). Until this revision no claim was ever deleted, so the table may be
large: on PostgreSQL the index is built concurrently (online_index.py), the hooks' claims going on meanwhile.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

from alembic import op

from services.shared.db.migrations.online_index import create_index_online

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_index_online("ix_greenlight_hook_claims_claimed_at", "greenlight_hook_claims", ["claimed_at"])


def downgrade() -> None:
    op.drop_index("ix_greenlight_hook_claims_claimed_at", table_name="greenlight_hook_claims")
