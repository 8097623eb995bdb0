"""The log's `requested` events indexed by the git account that pushed them (`details.pusher_key`), so that a push
learns what its account pushed as before (services/approval/hook_pusher_names.py) from that account's events alone:
it parsed the `requested` event of every release in the log, on every push an account id came with (261 ms on
SQLite, 1.0 s on PostgreSQL at 100,000 releases, 20,000 of them started by the hook).

Partial (`state = 'requested'`): only those events' bodies are parsed at an insert, and the index holds one entry
per release. The expression is the one services/shared/db/json_text.py renders, written out here as it stood at
this revision: an index serves a query only when the two are the same expression. On PostgreSQL built concurrently
(online_index.py): the services write events meanwhile.

Additive: an index 0014's code neither needs nor hinders (its event inserts update it), so that code can still use
the schema.

Revision ID: 0015
Revises: 0014
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from services.shared.db.migrations.oldest_usable import declare
from services.shared.db.migrations.online_index import create_index_online

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

PUSHER_KEY = {
    "sqlite": "json_extract(body, '$.details.pusher_key')",
    # PostgreSQL's JSON refuses `\u0000`, which a body may hold: read as U+FFFD (json_text.py says why).
    "postgresql": "(CAST(replace(body, '\\u0000', '\\ufffd') AS JSON) #>> '{details,pusher_key}')",
}
REQUESTED = sa.text("state = 'requested'")


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    create_index_online("events_by_pusher_key", "events", [sa.text(PUSHER_KEY[dialect])],
                        postgresql_where=REQUESTED, sqlite_where=REQUESTED)
    declare("0015")


def downgrade() -> None:
    op.drop_index("events_by_pusher_key", table_name="events")
    declare("0014")
