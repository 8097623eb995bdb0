"""Which Greenlight can still use the database's schema: the expand/contract rule across Greenlight versions.

A rolling upgrade, or a rollback of Greenlight's own deployment, starts older replicas against a database a newer
one migrated. Alembic alone refuses that (the older code does not know the newer revision), although most
migrations only add (an index, a table, a column the older code never reads) and leave the older code working. So
each migration from 0011 on states, in the one row of `greenlight_oldest_usable` (`revision`, `oldest_usable`),
the oldest revision whose code can still use the schema it leaves:

    declare("0012")                         an additive migration: the oldest usable revision stays as it was
    declare("0013", oldest_usable="0013")   a breaking one (a column dropped or renamed, data rewritten, a rule
                                            older code would break): only code of 0013 or later
    declare("0012", oldest_usable="0011")   that breaking migration's downgrade puts back what it replaced

Older code at start-up (migrate.py): a database whose revision is past its HEAD is used without migrating if HEAD
is at least the oldest usable one, else refused in one line naming the Greenlight it needs. The row names the
revision that last declared it, and older code trusts it only while that is the database's revision: a migration
that declared nothing (or a version table edited by hand) leaves the older code refusing, as before this rule.
A revision is its four-digit number: the numbers order them.
"""

from __future__ import annotations

import sqlalchemy as sa
import structlog

from services.shared.db.engine import DatabaseUnavailable

log = structlog.get_logger(__name__)
TABLE = "greenlight_oldest_usable"


def declare(revision: str, *, oldest_usable: str | None = None) -> None:
    """In a migration's upgrade (or downgrade): the schema it leaves is `revision`'s, usable by code of
    `oldest_usable` or later (None: as the migration before it said)."""
    from alembic import op  # here: this module is also read at every start, which must not load alembic

    changes = {"revision": revision, **({"oldest_usable": oldest_usable} if oldest_usable else {})}
    op.get_bind().execute(sa.table(TABLE, sa.column("revision"), sa.column("oldest_usable")).update()
                          .values(changes))


def started_on_newer(connection: sa.Connection, stored: str | None, head: str) -> bool:
    """True when the database's revision `stored` is past this code's `head` and its schema still serves this code
    (said in one warning); DatabaseUnavailable naming the Greenlight it needs when past and not; else False."""
    if not (stored and stored.isdigit() and head.isdigit() and int(stored) > int(head)):
        return False
    try:
        declared = connection.execute(sa.text(f"SELECT revision, oldest_usable FROM {TABLE}")).one_or_none()
    except sa.exc.SQLAlchemyError:
        declared = None  # no such table: not a schema from after this rule
    if declared is None or declared.revision != stored:
        needs = f"it needs Greenlight of migration {stored} or later (its migration named no older one)"
    elif int(declared.oldest_usable) > int(head):
        needs = f"it needs Greenlight of migration {declared.oldest_usable} or later"
    else:
        log.warning("database migrated by a newer Greenlight; starting without migrating it, as its schema "
                    "still serves this version", database_revision=stored, code_revision=head,
                    oldest_usable=declared.oldest_usable)
        return True
    raise DatabaseUnavailable(
        f"cannot use the database at GREENLIGHT_DATABASE_URL: a newer Greenlight migrated it to revision {stored}, "
        f"past this version's {head}, and {needs} (roll forward, or point GREENLIGHT_DATABASE_URL at a database "
        "of this version)")
