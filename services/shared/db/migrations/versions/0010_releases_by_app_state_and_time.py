"""Releases indexed by app, state and creation time, so that `GET /releases?app=X&state=Y` reads only the releases of
that app in that state, newest first, from the cursor's place. SQLite, which runs with no statistics, read them
through the state index (state, created_at) instead: every release of that state of every app, until a page of
the app's was found (at 300,000 releases, an app with none in `live` read all 100,000 live ones: 136 ms a page).
releases_by_app_state (app, state, updated_at) has both keys but not the order a page is read in.

On PostgreSQL built concurrently (online_index.py): the projectors write releases meanwhile.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

from alembic import op

from services.shared.db.migrations.online_index import create_index_online

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_index_online("releases_by_app_state_time", "releases", ["app", "state", "created_at"])


def downgrade() -> None:
    op.drop_index("releases_by_app_state_time", table_name="releases")
