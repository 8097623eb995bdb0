"""The approval gate: the release a decision is made on, as of its latest event, waited for when it is still on
its way.

A client that saw `awaiting_approval` on the log (AMQP) can decide before the read model folded it, so the gate
waits up to `gate_catch_up`. An event this process's projector was delivered and has not folded is taken at
once, with the events that lead to it: the decision is recorded after them.

In a rolling upgrade a newer Greenlight may have left the release in a state (or with an event of a schema version)
this version does not know (services/shared/db/newer_rows.py): the typed reads a command makes then raised a
pydantic ValidationError, answered 500. `refusing_newer` answers 409 instead, saying a newer replica must act on it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from pydantic import ValidationError

from services.approval.errors import Conflict
from services.shared.db import queries
from services.shared.db.fold import Item
from services.shared.db.newer_rows import NewerEvent, NewerRelease, shown_release
from services.shared.db.releases import ReleaseDatabase
from services.shared.events import SCHEMA_VERSION, ReleaseEvent
from services.shared.protocol import BEFORE_APPROVAL


async def at_gate(store: ReleaseDatabase, release_id: str, catch_up: float) -> tuple[ReleaseEvent | None, list[Item]]:
    """The release's latest event (None for an unknown release), and the unfolded events it continues."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + catch_up
    # Projecting, this process is woken by a delivery of the release's own events, and looks again every 50 ms
    # only for another replica's records; standing by, it hears of the leader's folds at its next poll (every
    # 50 ms on SQLite), so it looks sooner, backing off.
    pause = 0.05 if store.projecting else 0.002
    with store.watching(release_id) as delivered:
        while True:
            delivered.clear()
            version, seen = store.version, store.arrived(release_id)
            latest = await store.latest(release_id)
            if latest is not None:
                newer_schema(latest)
            if latest is None:
                return None, []
            # Whatever the folded state: a give-up's `failed` delivered on the seq after `awaiting_approval` and not
            # folded yet took the decision's seq, which the fold then kept as the release's (in flight for good).
            if (ahead := store.ahead_of(latest, seen)) and ahead[-1].event.state not in BEFORE_APPROVAL:
                return ahead[-1].event, ahead
            if latest.state not in BEFORE_APPROVAL:
                return latest, []
            left = deadline - loop.time()
            if left <= 0:
                return latest, []
            await store.moved(delivered, version, min(left, pause))
            pause = min(pause * 2, 0.05)


class UnknownHere(Conflict):
    """A release a newer Greenlight left in a state (or with an event) this version does not know: a command answers
    409; a background watcher leaves it to a newer replica."""

    def __init__(self, release_id: str, why: str) -> None:
        super().__init__(f"Release {release_id} is in a state this version of Greenlight does not know ({why}); "
                         f"a newer replica must act on it.")
        self.release_id, self.why = release_id, why


async def latest_known(store: ReleaseDatabase, release_id: str) -> ReleaseEvent | None:
    """`store.latest`, raising UnknownHere for an event of a newer Greenlight, or for a release whose stored row is
    one (a background watcher's read: a deadline, the approval policy's decisions)."""
    async with refusing_newer(store, release_id):
        latest = await store.latest(release_id)
    if latest is not None:
        newer_schema(latest)
        await stored_row_known(store, release_id)
    return latest


def newer_schema(event: ReleaseEvent) -> None:
    """409 for an event of a newer schema version that this version's model happened to parse: it may not mean what
    this version reads into it (newer_rows.py shows it as stored for the same reason)."""
    if event.schema_version > SCHEMA_VERSION:
        raise UnknownHere(event.release_id, f"schema_version {event.schema_version}")


async def stored_row_known(store: ReleaseDatabase, release_id: str) -> None:
    """UnknownHere for a release whose stored row a newer Greenlight wrote in a shape this version does not read,
    though its events are this version's (a newer replica's fold writes the snapshot in its own shape): a decision
    read only the events, and acted on it. A row not stored yet (its events ahead of the fold) passes."""
    found = await store.keyed(queries.SNAPSHOT, {"id": release_id})
    if found and isinstance(stored := shown_release(found[0][0], release_id), NewerRelease):
        raise UnknownHere(release_id, stored.why)


async def newer_why(store: ReleaseDatabase, release_id: str) -> str | None:
    """What this version does not know of the release or one of its events (newer_rows.py), or None."""
    release, shown = await store.shown_detail(release_id)
    if isinstance(release, NewerRelease):
        return release.why
    return next((s.event.why for s in shown if isinstance(s.event, NewerEvent)), None)


@contextlib.asynccontextmanager
async def refusing_newer(store: ReleaseDatabase, *release_ids: str, app: str | None = None
                         ) -> AsyncIterator[list[str]]:
    """A command's reads: a ValidationError they raise is a 409 (UnknownHere) when one of the releases read (the
    ids given, those the command adds to the list yielded, and `app`'s live, standby and in-flight ones) is a newer
    Greenlight's; any other stays the bug it is (500, logged). Checked only then: the happy path reads nothing more."""
    read = list(release_ids)
    try:
        yield read
    except ValidationError as exc:
        for release_id in read:
            if (why := await newer_why(store, release_id)) is not None:
                raise UnknownHere(release_id, why) from exc
        if app is not None and (newer := (await store.app(app)).newer):
            release = next(iter(newer.values()))
            raise UnknownHere(release.id, release.why) from exc
        raise
