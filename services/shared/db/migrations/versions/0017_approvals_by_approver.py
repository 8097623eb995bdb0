"""Each approval indexed by its approver and its release's creation time, so that `GET /releases?approver=X` finds
every release X gave an approval to, not only the one X's approval completed (services/shared/db/queries.py,
`page_query`), and reads a page of them in the order the list is paged in: where a policy needs several approvals,
the earlier approvers are rows of `greenlight_approvals` alone, whose primary key starts with the release.

The release's `created_at` is copied into the approval (`release_created_at`, written with it by
services/approval/approvals.py; the rows already there are filled here from `releases`): an index on the approver
alone found that approver's rows but left each of them to be looked up and sorted, 42 ms a page on SQLite for one
who gave 50,000 approvals (bench/approver_filter_bench.py).

On PostgreSQL, where the API records approvals meanwhile: the column is added between writes (online_column.py),
the rows filled in one statement of their own (people's approvals: thousands, not millions), the index built
concurrently (online_index.py).

Additive: a nullable column and an index 0016's code neither reads nor needs (its inserts name their columns), so
that code can still use the schema. An approval it records meanwhile has no creation time: the page query reads
those rows apart (by the same index: the approver, then null).

Revision ID: 0017
Revises: 0016
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from services.shared.db.migrations.oldest_usable import declare
from services.shared.db.migrations.online_column import add_column_between_writes
from services.shared.db.migrations.online_index import create_index_online

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

APPROVALS = sa.table("greenlight_approvals", sa.column("release_id", sa.String),
                     sa.column("release_created_at", sa.DateTime(timezone=True)))
RELEASES = sa.table("releases", sa.column("id", sa.String), sa.column("created_at", sa.DateTime(timezone=True)))


def upgrade() -> None:
    add_column_between_writes("greenlight_approvals", "release_created_at", "TIMESTAMP WITH TIME ZONE",
                              sqlite_type=sa.DateTime(timezone=True), why="add the release's creation time")
    created = sa.select(RELEASES.c.created_at).where(RELEASES.c.id == APPROVALS.c.release_id).scalar_subquery()
    fill = APPROVALS.update().where(APPROVALS.c.release_created_at.is_(None)).values(release_created_at=created)
    if op.get_bind().dialect.name != "postgresql":  # in the migration's transaction, under the file lock
        op.execute(fill)
    else:  # one statement, committed on its own: its row locks are held for it alone
        with op.get_context().autocommit_block():
            op.execute(fill)
    create_index_online("greenlight_approvals_by_approver", "greenlight_approvals",
                        ["approver", "release_created_at", "release_id"])
    declare("0017")


def downgrade() -> None:
    op.drop_index("greenlight_approvals_by_approver", table_name="greenlight_approvals")
    with op.batch_alter_table("greenlight_approvals") as batch:
        batch.drop_column("release_created_at")
    declare("0016")
