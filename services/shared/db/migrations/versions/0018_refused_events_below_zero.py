"""Events the table refused move below variant 0, which is left to their seq's first legal event.

Every read takes a release's folded events for variant 0 without a note (`queries.LATEST`, the delivery reads, the
policy's re-arm). An illegal event logged first at its seq used to take variant 0, so a legal twin logged after it
was stored as a conflict and never folded: the release stood still. The fold now numbers refused events -1, -2, …
(services/shared/db/fold.py); the ones stored before are renumbered here, so that a legal event arriving at their seq
from now on takes variant 0 and is folded. A legal twin stored before as a conflict stays one.

One statement over `events` (its note has no index: a scan, seconds at millions of events) that writes only the
refused rows, few or none. Additive for older code: 0017's fold numbers a new event of a seq by the count of its
events, which never meets a negative number, and reads variant 0 as before. The downgrade leaves the numbers.

Revision ID: 0018
Revises: 0017
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from services.shared.db.migrations.oldest_usable import declare

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

EVENTS = sa.table("events", sa.column("variant", sa.Integer), sa.column("note", sa.String))


def upgrade() -> None:
    # -1 - variant: one to one, so the unique (release, seq, variant) holds whatever order the rows are written in.
    op.execute(EVENTS.update().where(EVENTS.c.note.like("illegal transition%"), EVENTS.c.variant >= 0)
               .values(variant=-1 - EVENTS.c.variant))
    declare("0018")


def downgrade() -> None:
    declare("0017")
