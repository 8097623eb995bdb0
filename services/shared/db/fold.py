"""Folding events into the read model: the one place that decides what an event changes.

Idempotent and order-tolerant like the in-memory fold: an event already stored (same release, seq and state)
changes nothing but gains its log offset; a release's row follows its highest-seq event. Only legal transitions
are folded: an event that continues a release from a state the table does not allow, or a release's first event
that no release reaches at its seq, is kept in the history with the reason and logged, below variant 0
(fold_variants.py). Two *different* legal events with the same (release, seq), a retried step that decided
otherwise, are both kept: the first stays variant 0 (folded), the other is stored as a conflict and logged.
Sync code run through `AsyncConnection.run_sync` (or a writer thread on SQLite, see writer.py), so a whole batch
costs a handful of statements; most single events cost three (one read, two writes): the app's row is recomputed
only when what it shows changed, and the in-flight holder is read only for a release entering the in-flight set.
Statements are built once, at import (here, fold_release.py, fold_writes.py): building a Core statement costs more
CPU than SQLite takes to run it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import sqlalchemy as sa
import structlog

from services.shared.db.appstate import recompute_apps_sync
from services.shared.db.driver import fetch
from services.shared.db.fold_release import STORED_OF, AppBusy, Current, Holders, fold_release, refused
from services.shared.db.fold_variants import move_refused_below_zero, next_variant
from services.shared.db.fold_writes import write_folded
from services.shared.db.rows import event_row
from services.shared.db.schema import events
from services.shared.events import ReleaseEvent

# AppBusy is fold_release.py's, importable from here beside the other refusal a strict record meets (StaleWrite).
__all__ = ["AppBusy", "Folded", "Item", "SameChange", "StaleWrite", "fold_sync"]

log = structlog.get_logger(__name__)


class StaleWrite(Exception):
    """A service's own write lost: another event already holds that (release, seq)."""

    def __init__(self, release_id: str, seq: int, state: str) -> None:
        super().__init__(f"release {release_id} already has event {seq} ({state})")
        self.state = state


class SameChange(StaleWrite):
    """Another writer recorded the same change (same state) first, as its own event: use that one."""


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


def fold_sync(connection: sa.Connection, items: list[Item], *, strict: bool = False) -> Folded:
    ids = sorted({item.event.release_id for item in items})
    if connection.dialect.name == "postgresql" and len(ids) > 1:
        # Every read below is by key. Without table statistics (autovacuum off, or not yet run during a long
        # first projection) the planner scanned all of `events` for each batch's release ids: 0.7 s a batch at
        # 1M events, slower and slower. For this transaction only. One release (every record of a service's own,
        # most single-event batches) is planned on the indexes even without statistics (EXPLAIN at 300,000
        # events and 30,000 releases, none analysed; 20 ids already scanned), and the SET is a round trip.
        connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
    # (id, seq) -> [[variant, state, offset, note]]
    variants: dict[tuple[str, int], list[list]] = defaultdict(list)
    current: dict[str, Current] = {}
    for kind, release_id, seq, variant, state, offset, in_flight, colour, note in fetch(connection, STORED_OF,
                                                                                       {"ids": ids}):
        if kind == 0:
            variants[(release_id, seq)].append([variant, state, offset, note])
        else:
            current[release_id] = Current(state, seq, bool(in_flight), True, colour)
    for stored in variants.values():
        stored.sort()  # refused ones, then variant 0 (the folded one), then conflicts: a union has no order
    before = {release_id: now.shown() for release_id, now in current.items()}
    holder = Holders(connection, sorted({item.event.app for item in items}))
    result, inserts, offsets, moves = Folded(), [], [], []
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
        # The first legal event of a seq is folded; one the table refused (an illegal twin logged first) is not
        # in its way.
        if first := next((v for v in variants[key] if not refused(v[3])), None):
            if strict:
                raise StaleWrite(key[0], key[1], first[1])
            note = "conflict"
            result.conflicts += 1
            log.warning("two different events with one seq: kept both, folded the first", release=key[0],
                        seq=key[1], folded=first[1], other=event.state.value, offset=item.offset)
        else:
            note = fold_release(event, current, holder, changed, variants, strict)
            if not refused(note):
                moves += move_refused_below_zero(key, variants[key], offsets)
        variant = next_variant(variants[key], refused(note))
        variants[key].append([variant, event.state.value, item.offset, note])
        inserts.append(event_row(event, variant, item.offset, note, item.body))
        result.new += 1
        result.apps.add(event.app)
    write_folded(connection, inserts, offsets, changed, current, moves)
    recompute_apps_sync(connection, {event.app for release_id, event in changed.items()
                                     if before.get(release_id) != current[release_id].shown()})
    return result


_BODY_OF = sa.select(events.c.body).where(events.c.release_id == sa.bindparam("r"), events.c.seq == sa.bindparam("s"),
                                          events.c.variant == sa.bindparam("v"))


def _stored_body(connection: sa.Connection, key: tuple[str, int], variant: int) -> str:
    # The switcher's record of its own `live` usually finds the projector's copy already stored: a common read.
    return str(fetch(connection, _BODY_OF, {"r": key[0], "s": key[1], "v": variant})[0][0])
