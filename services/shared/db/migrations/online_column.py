"""A nullable column added to a table that services keep writing to while the migration runs (0016's `releases`,
0017's approvals). On PostgreSQL, ADD COLUMN waits for every open transaction on the table, and every write queued
behind it waits too, for as long as the longest of them: so it gives up after LOCK_WAIT and tries again PAUSE later,
outside the migration's transaction (alembic's autocommit block: the migrations before it are committed first).
SQLite adds it in the migration's transaction: it has one writer at a time anyway.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
import structlog
from alembic import op

log = structlog.get_logger(__name__)
LOCK_WAIT = "100ms"  # the longest a write to the table waits behind the ADD COLUMN, per attempt
PAUSE = 1.0  # seconds between attempts, while some transaction keeps the table
LOCK_NOT_AVAILABLE = "55P03"


def add_column_between_writes(table: str, column: str, sql_type: str, *, sqlite_type: sa.types.TypeEngine[Any],
                              why: str) -> None:
    """`why` ends the line logged while the table is kept: "waiting for the open transactions on <table> to <why>"."""
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column(column, sqlite_type))
        return
    told = False
    with op.get_context().autocommit_block():
        bind.execute(sa.text(f"SET lock_timeout = '{LOCK_WAIT}'"))
        try:
            while True:
                try:  # IF NOT EXISTS: a run stopped after it, before its revision was recorded, added it
                    bind.execute(sa.text(f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS {column} {sql_type}"))
                    return
                except sa.exc.DBAPIError as exc:
                    if getattr(exc.orig, "sqlstate", None) != LOCK_NOT_AVAILABLE:
                        raise
                if not told:  # a start that seems to hang says why
                    log.info(f"waiting for the open transactions on {table} to {why}")
                    told = True
                bind.execute(sa.text("SELECT pg_sleep(:pause)"), {"pause": PAUSE})  # the event loop stays free
        finally:
            bind.execute(sa.text("RESET lock_timeout"))
