"""Per-app state, and one release in flight per app enforced by a partial unique index.

Revision ID: 0002
Revises: 0001

Backfills both from the releases already folded: the newest in-flight release of each app keeps the flag (a
log written before this rule may hold two), and each app's row is recomputed by the same code the projector uses.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from services.shared.protocol import IN_FLIGHT

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("releases") as batch:
        batch.add_column(sa.Column("in_flight", sa.Boolean, nullable=False, server_default=sa.false()))
    op.create_table(
        "apps",
        sa.Column("app", sa.String(63), primary_key=True),
        sa.Column("live_release", sa.String(64)),
        sa.Column("live_colour", sa.String(8)),
        sa.Column("standby_release", sa.String(64)),
        sa.Column("in_flight_release", sa.String(64)),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    releases = sa.table("releases", sa.column("id"), sa.column("app"), sa.column("state"),
                        sa.column("created_at"), sa.column("in_flight", sa.Boolean))
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(releases.c.id, releases.c.app)
        .where(releases.c.state.in_([s.value for s in IN_FLIGHT]))
        .order_by(releases.c.created_at.desc())
    ).all()
    newest: dict[str, str] = {}
    for release_id, app in rows:
        newest.setdefault(app, release_id)
    for release_id in newest.values():
        connection.execute(releases.update().where(releases.c.id == release_id).values(in_flight=True))
    # Each app's live and newest superseded release, read whenever the app changes (appstate.py).
    op.create_index("releases_by_app_state", "releases", ["app", "state", "updated_at"])
    op.create_index("one_release_in_flight_per_app", "releases", ["app"], unique=True,
                    postgresql_where=sa.text("in_flight"), sqlite_where=sa.text("in_flight"))
    from services.shared.db.appstate import recompute_apps_sync

    apps = [app for (app,) in connection.execute(sa.select(releases.c.app).distinct())]
    # No app locks: no service writes this table before it exists, and an app each would fill the lock table.
    recompute_apps_sync(connection, apps, take_turns=False)


def downgrade() -> None:
    op.drop_index("one_release_in_flight_per_app", "releases")
    op.drop_index("releases_by_app_state", "releases")
    op.drop_table("apps")
    with op.batch_alter_table("releases") as batch:
        batch.drop_column("in_flight")
