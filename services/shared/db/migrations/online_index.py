"""An index added to a table that services keep writing to while the migration runs (the log's `events`, the hooks'
claims): on PostgreSQL built CONCURRENTLY, so that writes go on meanwhile (a plain CREATE INDEX holds a lock that
makes every insert wait for the whole build: about 3 s per 600,000 events, and every replica's projector with it).
SQLite builds it as before: it has one writer at a time anyway, and no concurrent build.

A concurrent build runs outside a transaction (alembic's autocommit block: the migrations before it are committed
first). One interrupted (the process killed, the statement cancelled) leaves an INVALID index of that name, which
PostgreSQL keeps updating and never reads: it is dropped and built again, never taken for done. migrate.py makes
sure no other migrator is building it at the time.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op


def create_index_online(name: str, table: str, columns: Sequence[Any], **options: Any) -> None:
    """`options`: op.create_index's, as a partial index's `postgresql_where` and `sqlite_where`."""
    if op.get_bind().dialect.name != "postgresql":
        op.create_index(name, table, list(columns), **options)
        return
    with op.get_context().autocommit_block():
        if _left_invalid(name):
            op.drop_index(name, table_name=table, postgresql_concurrently=True, if_exists=True)
        # A valid index of that name is one an earlier run finished before it could record its revision.
        op.create_index(name, table, list(columns), postgresql_concurrently=True, if_not_exists=True, **options)


def _left_invalid(name: str) -> bool:
    found = op.get_bind().execute(sa.text("SELECT NOT indisvalid FROM pg_index WHERE indexrelid = to_regclass(:name)"),
                                  {"name": name}).scalar()
    return bool(found)
