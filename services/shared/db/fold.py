"""Folding events into the read model: the one place that decides what an event changes.

Idempotent and order-tolerant like the in-memory fold: an event already stored (same release, seq and state)
changes nothing but gains its log offset; a release's row follows its highest-seq event. Only legal transitions
are folded: an event that continues a release from a state the table does not allow is kept in the history with
the reason and logged. Two *different* events with the same (release, seq), a retried step that decided
otherwise, are both kept: the first stays variant 0 (folded), the other is stored as a conflict and logged.
Sync code run through `AsyncConnection.run_sync` (or a writer thread on SQLite, see writer.py), so a whole batch
costs a handful of statements; most single events cost three (one read, two writes): the app's row is recomputed
only when what it shows changed, and the in-flight holder is read only for a release entering the in-flight set.
Statements are built once, at import: building a Core statement costs more CPU than SQLite takes to run it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
import structlog

from services.shared.db.appstate import SHOWN_STATES, recompute_apps_sync
from services.shared.db.driver import execute_many, fetch
from services.shared.db.rows import event_row, release_row
from services.shared.db.schema import events, releases
from services.shared.events import ReleaseEvent
from services.shared.protocol import IN_FLIGHT, can_transition

log = structlog.get_logger(__name__)
_LEFT = ""  # a release id never is empty


class StaleWrite(Exception):
    """A service's own write lost: another event already holds that (release, seq)."""

    def __init__(self, release_id: str, seq: int, state: str) -> None:
        super().__init__(f"release {release_id} already has event {seq} ({state})")
        self.state = state


class SameChange(StaleWrite):
    """Another writer recorded the same change (same state) first, as its own event: use that one."""


class AppBusy(Exception):
    """A new release of an app that already has one in flight."""

    def __init__(self, app: str, blocking: str) -> None:
        super().__init__(f"{app} already has release {blocking} in flight")
        self.app, self.blocking = app, blocking


@dataclass(frozen=True)
class Item:
    event: ReleaseEvent
    offset: int | None  # None: a service's own write, before the log echoes it
    body: str


@dataclass
class Folded:
    new: int = 0
    duplicates: int = 0
    conflicts: int = 0
    apps: set[str] = field(default_factory=set)


@dataclass
class _Current:
    state: str
    seq: int
    in_flight: bool
    exists: bool  # in the table already (update) or new in this batch (insert)
    colour: str | None = None

    def shown(self) -> tuple[object, ...]:
        """What the app's row (appstate.py) reads of this release: a change here recomputes the row."""
        return self.state if self.state in SHOWN_STATES else None, self.in_flight, self.colour


_IDS: sa.BindParameter[str] = sa.bindparam("ids", expanding=True)
_APPS: sa.BindParameter[str] = sa.bindparam("apps", expanding=True)
# What is stored of the batch's releases, their events' keys (kind 0) and their rows (kind 1), in one statement: on
# PostgreSQL each statement is a round trip, and every fold and every service's record begins with this read.
_NONE = sa.null()
_STORED_OF = sa.union_all(
    sa.select(sa.literal_column("0").label("kind"), events.c.release_id.label("id"), events.c.seq, events.c.variant,
              events.c.state, events.c.log_offset, _NONE.label("in_flight"), _NONE.label("colour"))
    .where(events.c.release_id.in_(_IDS)),
    sa.select(sa.literal_column("1"), releases.c.id, releases.c.seq, _NONE, releases.c.state, _NONE,
              releases.c.in_flight, releases.c.colour).where(releases.c.id.in_(_IDS)))
_HOLDERS_OF = sa.select(releases.c.app, releases.c.id).where(releases.c.app.in_(_APPS), releases.c.in_flight)


class _Holders(dict[str, str]):
    """App -> the release holding it in flight, read from the table the first time a release needs to know."""

    def __init__(self, connection: sa.Connection, apps: list[str]) -> None:
        super().__init__()
        self.connection, self.apps, self.read = connection, apps, False

    def load(self) -> _Holders:
        if not self.read:
            self.read = True
            stored = dict(fetch(self.connection, _HOLDERS_OF, {"apps": self.apps}))
            self.update({app: rid for app, rid in stored.items() if app not in self})
        return self


def fold_sync(connection: sa.Connection, items: list[Item], *, strict: bool = False) -> Folded:
    ids = sorted({item.event.release_id for item in items})
    if connection.dialect.name == "postgresql" and len(ids) > 1:
        # Every read below is by key. Without table statistics (autovacuum off, or not yet run during a long
        # first projection) the planner scanned all of `events` for each batch's release ids: 0.7 s a batch at
        # 1M events, slower and slower. For this transaction only. One release (every record of a service's own,
        # most single-event batches) is planned on the indexes even without statistics (EXPLAIN at 300,000
        # events and 30,000 releases, none analysed; 20 ids already scanned), and the SET is a round trip.
        connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
    variants: dict[tuple[str, int], list[list]] = defaultdict(list)  # (id, seq) -> [[variant, state, offset]]
    current: dict[str, _Current] = {}
    for kind, release_id, seq, variant, state, offset, in_flight, colour in fetch(connection, _STORED_OF,
                                                                                 {"ids": ids}):
        if kind == 0:
            variants[(release_id, seq)].append([variant, state, offset])
        else:
            current[release_id] = _Current(state, seq, bool(in_flight), True, colour)
    for stored in variants.values():
        stored.sort()  # variant 0 first: the folded one (a union returns rows in no particular order)
    before = {release_id: now.shown() for release_id, now in current.items()}
    holder = _Holders(connection, sorted({item.event.app for item in items}))
    result, inserts, offsets = Folded(), [], []
    changed: dict[str, ReleaseEvent] = {}
    for item in items:
        event, key = item.event, (item.event.release_id, item.event.seq)
        same = next((v for v in variants[key] if v[1] == event.state.value), None)
        if same is not None:
            # Only a service's own event can be another writer's same change. One the log delivered (a decision's
            # `ahead`, which the projector committed while the record waited for its turn) is the stored one: six
            # such reads were 2 ms of a PostgreSQL approval.
            if strict and item.offset is None and _stored_body(connection, key, same[0]) != item.body:
                raise SameChange(key[0], key[1], same[1])
            result.duplicates += 1
            if same[2] is None and item.offset is not None:
                same[2] = item.offset
                offsets.append({"k_release": key[0], "k_seq": key[1], "k_variant": same[0], "o": item.offset})
            continue
        note = None
        if variants[key]:
            if strict:
                raise StaleWrite(key[0], key[1], variants[key][0][1])
            note = "conflict"
            result.conflicts += 1
            log.warning("two different events with one seq: kept both, folded the first", release=key[0],
                        seq=key[1], folded=variants[key][0][1], other=event.state.value, offset=item.offset)
        else:
            note = _fold_release(event, current, holder, changed, variants, strict)
        variant = len(variants[key])
        variants[key].append([variant, event.state.value, item.offset])
        inserts.append(event_row(event, variant, item.offset, note, item.body))
        result.new += 1
        result.apps.add(event.app)
    _write(connection, inserts, offsets, changed, current)
    recompute_apps_sync(connection, {event.app for release_id, event in changed.items()
                                     if before.get(release_id) != current[release_id].shown()})
    return result


_BODY_OF = sa.select(events.c.body).where(events.c.release_id == sa.bindparam("r"), events.c.seq == sa.bindparam("s"),
                                          events.c.variant == sa.bindparam("v"))


def _stored_body(connection: sa.Connection, key: tuple[str, int], variant: int) -> str:
    # The switcher's record of its own `live` usually finds the projector's copy already stored: a common read.
    return str(fetch(connection, _BODY_OF, {"r": key[0], "s": key[1], "v": variant})[0][0])


def _fold_release(event: ReleaseEvent, current: dict[str, _Current], holder: _Holders,
                  changed: dict[str, ReleaseEvent], variants: dict[tuple[str, int], list[list]],
                  strict: bool) -> str | None:
    """Update the release's row from `event` if it is the newest legal one; the reason if not."""
    now = current.get(event.release_id)
    if now is not None and event.seq <= now.seq:
        return "late"  # an older event arriving after a newer one: history only
    if now is not None and event.seq == now.seq + 1:
        # A conflicting twin of the current seq may be the branch this event continues.
        froms = [now.state, *(v[1] for v in variants[(event.release_id, now.seq)])]
        if not any(can_transition(s, event.state) for s in froms):  # type: ignore[arg-type]
            log.warning("illegal transition in the log: kept in history, not folded", release=event.release_id,
                        current=now.state, seq=event.seq, state=event.state.value)
            return f"illegal transition {now.state} -> {event.state.value}"
    in_flight = event.state in IN_FLIGHT
    if in_flight and not (now is not None and now.in_flight):
        blocking = holder.load().get(event.app) or None  # _LEFT: this batch took it out of flight
        if blocking is not None and blocking != event.release_id:
            if strict:
                raise AppBusy(event.app, blocking)
            log.warning("a second release of one app in flight in the log", app=event.app,
                        release=event.release_id, blocking=blocking)
            in_flight = False
    if in_flight:
        holder[event.app] = event.release_id
    elif now is not None and now.in_flight:
        holder[event.app] = _LEFT  # shadows the stored holder: this batch took it out of flight
    colour = event.release.standby_colour
    current[event.release_id] = _Current(event.state.value, event.seq, in_flight,
                                         now is not None and now.exists, colour.value if colour else None)
    changed[event.release_id] = event
    return None


_SET_OFFSET = (events.update().where(events.c.release_id == sa.bindparam("k_release"),
                                     events.c.seq == sa.bindparam("k_seq"),
                                     events.c.variant == sa.bindparam("k_variant"))
               .values(log_offset=sa.bindparam("o")))
# No .values(): the SET clause is every column the rows name (k_id only feeds the WHERE).
_UPDATE_RELEASE = releases.update().where(releases.c.id == sa.bindparam("k_id"))
_INSERT_RELEASE = releases.insert()
_INSERT_EVENT = events.insert()


def _write(connection: sa.Connection, inserts: list[dict[str, Any]], offsets: list[dict[str, Any]],
           changed: dict[str, ReleaseEvent], current: dict[str, _Current]) -> None:
    execute_many(connection, _SET_OFFSET, offsets)
    updates: list[dict[str, Any]] = []
    creates: list[dict[str, Any]] = []
    for release_id, event in changed.items():
        row = release_row(event.release, current[release_id].in_flight)
        (updates if current[release_id].exists else creates).append(row)
    # Rows that leave the in-flight set first, so the partial unique index never sees two at once.
    updates.sort(key=lambda row: row["in_flight"])
    execute_many(connection, _UPDATE_RELEASE, updates)
    execute_many(connection, _INSERT_RELEASE, [{("id" if k == "k_id" else k): v for k, v in row.items()}
                                               for row in creates])
    execute_many(connection, _INSERT_EVENT, inserts)
