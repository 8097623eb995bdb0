"""The git hooks' claims indexed by age, so that the claims past their retention are deleted without reading the
whole table (services/approval/hook_claims.py).

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_greenlight_hook_claims_claimed_at", "greenlight_hook_claims", ["claimed_at"])


def downgrade() -> None:
    op.drop_index("ix_greenlight_hook_claims_claimed_at", table_name="greenlight_hook_claims")
