"""The deadline watcher's fallback (deadlines.py): with the read model unable to tell where a release is (the
database away, the projection stalled), the release's latest event as the release log holds it.

In a rolling upgrade the log can hold events of the release that a newer Greenlight wrote and this version cannot
read (a state it does not know, a schema version 2: events.NewerVersion). Skipped, as every other log read skips
them, they left the step's start the newest event read, and the watcher failed a release the newer replica had moved
past the step. So this read notes them: the release's newest event being one of them raises UnknownHere, as the
database path does (gate.latest_known), and the watcher leaves the release to a newer replica. A malformed event is
skipped as before: no version wrote it as a step of the release.
"""

from __future__ import annotations

from datetime import datetime

import pydantic_core

from services.approval.gate import UnknownHere
from services.shared.bus import Bus
from services.shared.events import BadMessage, NewerVersion, ReleaseEvent
from services.shared.giveup import LOG_CLOCK_SKEW
from services.shared.releaselog import LogReader
from services.shared.retries import Retry
from services.shared.store import ReleaseStore

READ_TIMEOUT = 30.0  # seconds for the log read to reach what the log held at its start (as latest_event)


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
        # Not said here as well: the watcher's one line about the release says why.
        self.newer.append((seq if isinstance(seq, int) and not isinstance(seq, bool) else None, str(problem)[:200]))


async def latest_logged(bus: Bus, timer: ReleaseEvent) -> ReleaseEvent:
    """The release's latest event in the log, read from the step's start on (rare: a broker read of the whole
    deadline's log); UnknownHere if the newest is a newer Greenlight's."""
    store = ReleaseStore()
    reader = NewerNoted(bus, store, timer.occurred_at - LOG_CLOCK_SKEW, timer.release_id)
    try:
        try:
            await reader.start(READ_TIMEOUT)
        finally:
            await reader.stop()
    except Exception as exc:
        raise Retry(f"the release log could not be read: {exc!r}"[:300], dependency="release log") from exc
    history = store.history.get(timer.release_id)
    latest = history[-1].event if history else None
    for seq, why in reader.newer:
        if seq is None or latest is None or seq > latest.seq:
            raise UnknownHere(timer.release_id, why)
    if latest is None or latest.seq < timer.seq:
        raise Retry("the release log does not hold this release's step yet", dependency="release log")
    return latest


def _fields(body: bytes) -> dict[str, object]:
    try:
        raw = pydantic_core.from_json(body)
    except ValueError:
        return {}
    return raw if isinstance(raw, dict) else {}
