"""Each app's row in `apps`, recomputed from its releases whenever one of them changes.

Recomputing from the releases (rather than patching the row event by event) keeps the row true whatever order
events arrive in, provided two writers of one app's row take turns (`_take_turns`). Sync code on purpose: the async
fold calls it through `run_sync`, and migration 0002 calls it directly to backfill, so both use this one definition.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from services.shared.db.driver import execute_many, fetch
from services.shared.db.schema import apps, releases
from services.shared.protocol import ReleaseState

LIVE, SUPERSEDED = ReleaseState.LIVE.value, ReleaseState.SUPERSEDED.value
# Post-promotion checks run on a release already serving: its colour is live, not a standby. So does a release being
# rolled back until the switcher's flip is done (`rolled_back`), or given up (it is `live` again): left out, the
# app's card named no live release and no live colour while it served, up to the switcher's retry budget.
SERVING = (LIVE, ReleaseState.VERIFYING.value, ReleaseState.ROLLING_BACK.value)
# The states this row tells apart (with in_flight and colour): a fold that changes none of them leaves it as it is.
SHOWN_STATES = frozenset({*SERVING, SUPERSEDED})


_SHOWN = sa.select(releases.c.id, releases.c.app, releases.c.state, releases.c.colour, releases.c.in_flight,
                   releases.c.updated_at)
_NAMES: sa.BindParameter[str] = sa.bindparam("names", expanding=True)
# Two reads that each follow an index (releases_by_app_state; the in-flight partial index) rather than one with an
# OR, which read every release of the app: an app's history must not cost every fold that touches it.
_CURRENT = sa.union_all(_SHOWN.where(releases.c.app.in_(_NAMES), releases.c.state.in_(SERVING)),
                        _SHOWN.where(releases.c.app.in_(_NAMES), releases.c.in_flight)).subquery()
_CURRENT_ROWS = sa.select(_CURRENT).order_by(_CURRENT.c.updated_at.desc())


def _upsert(insert: Any) -> Any:
    """Each app's row written whole, in one statement (it was a DELETE and an INSERT: one more round trip)."""
    statement = insert(apps)
    return statement.on_conflict_do_update(index_elements=[apps.c.app], set_={
        column.name: statement.excluded[column.name] for column in apps.columns if column.name != "app"})


_WRITE_APPS = {"sqlite": _upsert(sqlite.insert), "postgresql": _upsert(postgresql.insert)}
_NEWEST_SUPERSEDED = (sa.select(releases.c.id).where(releases.c.app == sa.bindparam("app"),
                                                     releases.c.state == SUPERSEDED)
                      .order_by(releases.c.updated_at.desc()).limit(1))
_SUPERSEDED_BY_AGE = sa.select(releases.c.app, releases.c.id, sa.func.row_number().over(
    partition_by=releases.c.app, order_by=releases.c.updated_at.desc()).label("n")).where(
    releases.c.app.in_(_NAMES), releases.c.state == SUPERSEDED).subquery()
# Built once, like every statement of the fold: built per call, its Core objects and SQLAlchemy's execution cost
# 0.6 ms more than the query itself, in most PostgreSQL folds.
_NEWEST_SUPERSEDED_OF = sa.select(_SUPERSEDED_BY_AGE.c.app, _SUPERSEDED_BY_AGE.c.id).where(_SUPERSEDED_BY_AGE.c.n == 1)


# PostgreSQL: a transaction-scoped advisory lock per app, in the two-int key space (which never meets the one-bigint
# keys of lease.py and migrate.py): the class, and a hash of the app's name.
APP_ROW_LOCK_CLASS = 0x676C_6170  # "glap"
_KEYS = sa.bindparam("keys", type_=postgresql.ARRAY(sa.Integer))
_KEY = sa.func.unnest(sa.cast(_KEYS, postgresql.ARRAY(sa.Integer))).table_valued("k").render_derived()
# Taken in the order of the keys (passed sorted, no key twice, and sorted again: PostgreSQL evaluates a volatile
# function of the select list after the ORDER BY), so two transactions over overlapping apps never wait in a cycle.
_TAKE_TURNS = (sa.select(sa.func.pg_advisory_xact_lock(sa.literal_column(str(APP_ROW_LOCK_CLASS)), _KEY.c.k))
               .order_by(_KEY.c.k))


def app_row_lock_key(name: str) -> int:
    """The second key of an app's advisory lock (a signed 32-bit int). Two apps may share one: they then take turns
    for nothing, which is only slower."""
    return int.from_bytes(hashlib.sha256(f"greenlight-app:{name}".encode()).digest()[:4], "big", signed=True)


def _take_turns(connection: sa.Connection, names: list[str]) -> None:
    """On PostgreSQL, wait for any other transaction that writes these apps' rows to end (one round trip).

    Each writer computes the row from its own reads and writes it whole. In READ COMMITTED two concurrent writers (the
    API's strict record takes no projection-row lock; the projector's batch and the switcher's record do) would each
    read without the other's uncommitted change, and the last to commit would leave a row that misses the first's
    change (a lost update: GET /apps/{app} without its standby or in-flight release). Holding the app's lock from
    before the reads below to the commit, the second writer reads after the first committed (each statement of a
    READ COMMITTED transaction sees every commit before it), so it computes the row from both. Taken here, after the
    fold's own writes, the lock costs a round trip only to a transaction that recomputes a row, and its holder waits
    on nothing else (the apps rows are written by the lock's holders alone). SQLite's writers are serial already."""
    if connection.dialect.name == "postgresql":
        fetch(connection, _TAKE_TURNS, {"keys": sorted({app_row_lock_key(name) for name in names})})


def recompute_apps_sync(connection: sa.Connection, names: Iterable[str], *, take_turns: bool = True) -> None:
    """Each named app's row, recomputed from its releases and written whole. `take_turns` off only where no other
    writer can run (the migration that created the table)."""
    names = sorted(set(names))
    if not names:
        return
    if take_turns:
        _take_turns(connection, names)
    rows = fetch(connection, _CURRENT_ROWS, {"names": names})
    # Superseded releases pile up (every release that went live ends as one): only the newest of each app is
    # the warm colour, so only it is read, whatever the length of the history.
    warm = _newest_superseded(connection, names)
    now = datetime.now(UTC)
    state: dict[str, dict[str, object]] = {
        name: {"app": name, "live_release": None, "live_colour": None, "standby_release": None,
               "in_flight_release": None, "updated_at": now} for name in names}
    for release_id, name, release_state, colour, in_flight, _ in rows:  # newest first
        app = state[name]
        if release_state in SERVING and app["live_release"] is None:
            app["live_release"], app["live_colour"] = release_id, colour
        if in_flight:
            app["in_flight_release"] = release_id
            if colour is not None and release_state not in SERVING:
                app["standby_release"] = release_id  # deployed on the standby colour, waiting to go live
    for name, release_id in warm.items():
        if state[name]["standby_release"] is None:
            state[name]["standby_release"] = release_id  # the warm colour kept for a rollback
    execute_many(connection, _WRITE_APPS[connection.dialect.name], list(state.values()))


def _newest_superseded(connection: sa.Connection, names: list[str]) -> dict[str, str]:
    if connection.dialect.name == "sqlite":
        # In-process, a query per app is cheap and each is one index seek (releases_by_app_state); the window
        # below made SQLite number every superseded release of every app in the batch: the fold slowed as the
        # history grew (a third of its time at a million events).
        found = ((name, fetch(connection, _NEWEST_SUPERSEDED, {"app": name})) for name in names)
        return {name: rows[0][0] for name, rows in found if rows}
    # PostgreSQL: one round trip for all the apps.
    return {str(app): str(release_id) for app, release_id in fetch(connection, _NEWEST_SUPERSEDED_OF,
                                                                   {"names": names})}
