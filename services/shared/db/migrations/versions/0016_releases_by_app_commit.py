"""Each release's commit in a column of its own (`commit_sha`, the snapshot's `commit`), indexed with its app, so that
a push learns whether its commit was released from that commit's releases alone (services/approval/push_desk.py):
it read and validated every snapshot of the app on every push (100 ms at 10,000 releases, SQLite and PostgreSQL
alike), and one this version could not validate (a newer Greenlight's) made the hook answer 500.

A column, not an index on the snapshot's JSON: PostgreSQL 15 has no way to read a text as JSON that cannot fail,
and such an index makes every write of a snapshot that is not JSON fail, the fold's included. The fold writes the
column (services/shared/db/rows.py); the rows already there are filled here from their snapshots, a batch at a
time. Rows older code writes meanwhile (a rolling upgrade) have none until their next event: the push reads their
snapshot instead.

On PostgreSQL, where the projectors write releases meanwhile: ADD COLUMN waits for every open transaction on the
table, and every write queued behind it waits too, so it gives up after a moment and tries again later
(online_column.py); each batch of the backfill commits on its own; the index is built concurrently (online_index.py).

Additive: a nullable column and an index that 0015's code neither reads nor needs (its writes name their columns).

Revision ID: 0016
Revises: 0015
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

from services.shared.db.migrations.oldest_usable import declare
from services.shared.db.migrations.online_column import add_column_between_writes
from services.shared.db.migrations.online_index import create_index_online

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

BATCH = 1000  # rows per backfill statement
RELEASES = sa.table("releases", sa.column("id", sa.String), sa.column("snapshot", sa.Text),
                    sa.column("commit_sha", sa.String))


def upgrade() -> None:
    add_column_between_writes("releases", "commit_sha", "VARCHAR(64)", sqlite_type=sa.String(64),
                              why="add its commit column")
    if op.get_bind().dialect.name != "postgresql":  # one transaction, under the file lock: no write goes meanwhile
        _backfill()
    else:
        with op.get_context().autocommit_block():
            _backfill()
    create_index_online("releases_by_app_commit", "releases", ["app", "commit_sha", "created_at"])
    if op.get_bind().dialect.name == "postgresql":
        with op.get_context().autocommit_block():  # the new column's statistics, before autovacuum's next look
            op.execute("ANALYZE releases")
    declare("0016")


def downgrade() -> None:
    op.drop_index("releases_by_app_commit", table_name="releases")
    with op.batch_alter_table("releases") as batch:
        batch.drop_column("commit_sha")
    declare("0015")


def _backfill() -> None:
    """Each row's commit from its snapshot, by id, a batch per statement; a snapshot with none is left null."""
    bind = op.get_bind()
    last = ""
    while batch := bind.execute(sa.select(RELEASES.c.id, RELEASES.c.snapshot)
                                .where(RELEASES.c.id > last, RELEASES.c.commit_sha.is_(None))
                                .order_by(RELEASES.c.id).limit(BATCH)).all():
        last = batch[-1].id
        found = [(row.id, commit) for row in batch if (commit := _commit(row.snapshot))]
        if not found:
            continue
        if bind.dialect.name != "postgresql":  # in the migration's one transaction
            bind.execute(RELEASES.update().where(RELEASES.c.id == sa.bindparam("k"), RELEASES.c.commit_sha.is_(None))
                         .values(commit_sha=sa.bindparam("sha")), [{"k": k, "sha": sha} for k, sha in found])
            continue
        # One statement, so one transaction, per batch (autocommit: not one per row).
        shas = sa.values(sa.column("id", sa.String), sa.column("sha", sa.String), name="shas").data(found)
        bind.execute(RELEASES.update().where(RELEASES.c.id == shas.c.id, RELEASES.c.commit_sha.is_(None))
                     .values(commit_sha=shas.c.sha))


def _commit(snapshot: str) -> str | None:
    try:
        commit = json.loads(snapshot).get("commit")
    except (ValueError, AttributeError):  # not JSON, or not an object
        return None
    return commit if isinstance(commit, str) and 0 < len(commit) <= 64 else None
