"""One event folded into its release's row, for the fold of a batch (fold.py): only the newest legal event moves the
row, and only one release of an app is in flight. With what that decision reads: the batch's stored events and rows,
in one statement, and each app's release in flight, read only when a release enters the in-flight set.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
import structlog

from services.shared.db.appstate import SHOWN_STATES
from services.shared.db.driver import fetch
from services.shared.db.schema import events, releases
from services.shared.events import ReleaseEvent
from services.shared.protocol import IN_FLIGHT, TERMINAL, can_reach
from services.shared.protocol import ReleaseState as S

log = structlog.get_logger(__name__)
_LEFT = ""  # a release id never is empty


class AppBusy(Exception):
    """A new release of an app that already has one in flight."""

    def __init__(self, app: str, blocking: str) -> None:
        super().__init__(f"{app} already has release {blocking} in flight")
        self.app, self.blocking = app, blocking


@dataclass
class Current:
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
STORED_OF = sa.union_all(
    sa.select(sa.literal_column("0").label("kind"), events.c.release_id.label("id"), events.c.seq, events.c.variant,
              events.c.state, events.c.log_offset, _NONE.label("in_flight"), _NONE.label("colour"), events.c.note)
    .where(events.c.release_id.in_(_IDS)),
    sa.select(sa.literal_column("1"), releases.c.id, releases.c.seq, _NONE, releases.c.state, _NONE,
              releases.c.in_flight, releases.c.colour, _NONE).where(releases.c.id.in_(_IDS)))
_HOLDERS_OF = sa.select(releases.c.app, releases.c.id).where(releases.c.app.in_(_APPS), releases.c.in_flight)


ILLEGAL = "illegal transition"  # the start of the note of an event the table refused


def refused(note: str | None) -> bool:
    """An event the table refused is history alone: no branch a later event continues, no twin that makes a legal
    event of its seq a conflict."""
    return note is not None and note.startswith(ILLEGAL)


class Holders(dict[str, str]):
    """App -> the release holding it in flight, read from the table the first time a release needs to know."""

    def __init__(self, connection: sa.Connection, apps: list[str]) -> None:
        super().__init__()
        self.connection, self.apps, self.read = connection, apps, False

    def load(self) -> Holders:
        if not self.read:
            self.read = True
            stored = dict(fetch(self.connection, _HOLDERS_OF, {"apps": self.apps}))
            self.update({app: rid for app, rid in stored.items() if app not in self})
        return self


def fold_release(event: ReleaseEvent, current: dict[str, Current], holder: Holders,
                 changed: dict[str, ReleaseEvent], variants: dict[tuple[str, int], list[list]],
                 strict: bool) -> str | None:
    """Update the release's row from `event` if it is the newest legal one; the reason if not."""
    now = current.get(event.release_id)
    if now is not None and event.seq <= now.seq:
        return "late"  # an older event arriving after a newer one: history only
    if now is None:
        # A release's first event folded (seq 1 is `requested`; a later one where the log was trimmed before this
        # database knew the release) must be one a release reaches in as many steps: `live` at seq 1 is not.
        if not can_reach(S.REQUESTED, event.state, event.seq - 1):
            log.warning("illegal first event of a release in the log: kept in history, not folded",
                        release=event.release_id, seq=event.seq, state=event.state.value)
            return f"{ILLEGAL}: {event.state.value} cannot be event {event.seq} of a release"
    else:
        # A conflicting twin of the current seq may be the branch this event continues. Past a gap (the events
        # between not folded yet), the event must still be reachable in as many steps: `live` two seqs after
        # `building` was folded, where the same event one seq after it was refused. Not once the release has
        # ended: a step logged beside an abort (the worker had not heard of it) must not make the aborted release
        # in flight again, holding its app, where every service heard the end and stopped.
        ended = S(now.state) in TERMINAL
        froms = [now.state, *(() if ended else (v[1] for v in variants[(event.release_id, now.seq)]
                                                 if not refused(v[3])))]
        if not any(can_reach(S(s), event.state, event.seq - now.seq) for s in froms):
            log.warning("illegal transition in the log: kept in history, not folded", release=event.release_id,
                        current=now.state, seq=event.seq, state=event.state.value)
            return f"{ILLEGAL} {now.state} -> {event.state.value}"
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
    current[event.release_id] = Current(event.state.value, event.seq, in_flight,
                                         now is not None and now.exists, colour.value if colour else None)
    changed[event.release_id] = event
    return None
