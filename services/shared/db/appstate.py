"""Each app's row in `apps`, recomputed from its releases whenever one of them changes.

Recomputing from the releases (rather than patching the row event by event) keeps the row true whatever order
events arrive in. Sync code on purpose: the async fold calls it through `run_sync`, and migration 0002 calls it
directly to backfill, so both use this one definition.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

import sqlalchemy as sa

from services.shared.db.schema import apps, releases
from services.shared.protocol import ReleaseState

LIVE, SUPERSEDED = ReleaseState.LIVE.value, ReleaseState.SUPERSEDED.value


def recompute_apps_sync(connection: sa.Connection, names: Iterable[str]) -> None:
    names = sorted(set(names))
    if not names:
        return
    rows = connection.execute(
        sa.select(releases.c.id, releases.c.app, releases.c.state, releases.c.colour, releases.c.in_flight)
        .where(releases.c.app.in_(names), sa.or_(releases.c.state == LIVE, releases.c.in_flight))
        .order_by(releases.c.updated_at.desc())
    ).all()
    # Superseded releases pile up (every release that went live ends as one): only the newest of each app is
    # the warm colour, so only it is read, whatever the length of the history.
    newest = sa.select(releases.c.app, releases.c.id, sa.func.row_number().over(
        partition_by=releases.c.app, order_by=releases.c.updated_at.desc()).label("n")).where(
        releases.c.app.in_(names), releases.c.state == SUPERSEDED).subquery()
    warm = dict(connection.execute(sa.select(newest.c.app, newest.c.id).where(newest.c.n == 1)).all())
    now = datetime.now(UTC)
    state: dict[str, dict[str, object]] = {
        name: {"app": name, "live_release": None, "live_colour": None, "standby_release": None,
               "in_flight_release": None, "updated_at": now} for name in names}
    for row in rows:  # newest first
        app = state[row.app]
        if row.state == LIVE and app["live_release"] is None:
            app["live_release"], app["live_colour"] = row.id, row.colour
        if row.in_flight:
            app["in_flight_release"] = row.id
            if row.colour is not None:
                app["standby_release"] = row.id  # deployed on the standby colour, waiting to go live
    for name, release_id in warm.items():
        if state[name]["standby_release"] is None:
            state[name]["standby_release"] = release_id  # the warm colour kept for a rollback
    connection.execute(apps.delete().where(apps.c.app.in_(names)))
    connection.execute(apps.insert(), list(state.values()))
