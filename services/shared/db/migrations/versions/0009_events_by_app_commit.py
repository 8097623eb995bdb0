"""The log's events indexed by app, commit (the body's `release.commit`), state and time, so that the delivery
metrics (services/approval/delivery_reads.py) read of a window's changes' earlier history only the events of their
commits: they read every earlier `live`, `verifying` and `built` event, parsing each body (0.67 s at 200,000
earlier `live` events, on every `/metrics` refresh and `GET /metrics/delivery`).

The expression is the one services/shared/db/json_text.py renders, written out here as it stood at this
revision: an index serves a query only when the two are the same expression. On PostgreSQL built concurrently
(online_index.py): a plain CREATE INDEX made every event write wait about 3 s per 600,000 events.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from services.shared.db.migrations.online_index import create_index_online

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

COMMIT = {
    "sqlite": "json_extract(body, '$.release.commit')",
    # PostgreSQL's JSON refuses `\u0000`, which a body may hold: read as U+FFFD (json_text.py says why).
    "postgresql": "(CAST(replace(body, '\\u0000', '\\ufffd') AS JSON) #>> '{release,commit}')",
}


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    create_index_online("events_by_app_commit", "events", ["app", sa.text(COMMIT[dialect]), "state", "occurred_at"])
    if dialect == "postgresql":
        # The expression's statistics: without them PostgreSQL guessed thousands of events per commit and read the
        # whole log again (3.4 s at 600,000 events) until autovacuum's next ANALYZE of the table, which waits for
        # a tenth of it to be new. In no transaction: its lock lets writes through, and is not kept for the rest.
        with op.get_context().autocommit_block():
            op.execute("ANALYZE events")


def downgrade() -> None:
    op.drop_index("events_by_app_commit", table_name="events")
