"""One release's newest event as the release log holds it, for the rare decisions that must see what processes now
dead published (a give-up after a crash loop, a stale step input, a redelivered measurement, a deadline with the
database away).

In a rolling upgrade the log can hold events of the release that a newer Greenlight wrote and this version cannot
read (a state it does not know, a schema version 2: events.NewerVersion). Skipped, as the log's other readers skip
them, they left an older event the newest read, and the reader acted on a release the newer version had moved on:
a `failed` or a measurement on a seq the newer event held, a step redone. So this read notes them, and the release's
newest event being one of them raises MovedOnByNewer: the caller leaves the release to a newer replica. A malformed
event is skipped as before: no version wrote it as a step of the release.
"""

from __future__ import annotations

from datetime import datetime

import pydantic_core

from services.shared.bus import Bus
from services.shared.events import BadMessage, NewerVersion, ReleaseEvent
from services.shared.releaselog import LogReader
from services.shared.store import ReleaseStore


class MovedOnByNewer(Exception):
    """The release's newest logged event is a newer Greenlight's: this version cannot tell where the release is."""

    def __init__(self, release_id: str, why: str) -> None:
        super().__init__(f"release {release_id} was moved on by a newer Greenlight ({why})")
        self.release_id, self.why = release_id, why


class NewerNoted(LogReader):
    """A log read that notes one release's events of a newer Greenlight instead of only skipping them: (their seq,
    or None if the body gives none this version recognises; why this version cannot read them)."""

    def __init__(self, bus: Bus, store: ReleaseStore, since: datetime, release_id: str) -> None:
        super().__init__(bus, store, since)
        self.release_id = release_id
        self.newer: list[tuple[int | None, str]] = []

    def unreadable(self, body: bytes, offset: int, problem: BadMessage) -> None:
        raw = _fields(body) if isinstance(problem, NewerVersion) else {}
        if raw.get("release_id") != self.release_id:
            super().unreadable(body, offset, problem)
            return
        seq = raw.get("seq")
        # Not said here as well: the caller's one line about the release says why.
        self.newer.append((seq if isinstance(seq, int) and not isinstance(seq, bool) else None, str(problem)[:200]))

    def newest_readable(self) -> ReleaseEvent | None:
        """The release's newest event this version reads; MovedOnByNewer if a newer Greenlight's came after it."""
        history = self.store.history.get(self.release_id)
        latest = history[-1].event if history else None
        for seq, why in self.newer:
            if seq is None or latest is None or seq > latest.seq:
                raise MovedOnByNewer(self.release_id, why)
        return latest


async def latest_event(bus: Bus, release_id: str, since: datetime, timeout: float = 30.0) -> ReleaseEvent | None:
    """The release's latest event logged since `since`, everything published before the call included; None if the
    log holds none. MovedOnByNewer if the newest is a newer Greenlight's (the caller leaves the release to it)."""
    reader = NewerNoted(bus, ReleaseStore(), since, release_id)
    try:
        await reader.start(timeout)
    finally:
        await reader.stop()
    return reader.newest_readable()


def _fields(body: bytes) -> dict[str, object]:
    try:
        raw = pydantic_core.from_json(body)
    except ValueError:
        return {}
    return raw if isinstance(raw, dict) else {}
