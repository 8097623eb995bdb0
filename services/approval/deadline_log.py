"""The deadline watcher's fallback (deadlines.py): with the read model unable to tell where a release is (the
database away, the projection stalled), the release's latest event as the release log holds it.

In a rolling upgrade the log can hold events of the release that a newer Greenlight wrote and this version cannot
read. Skipped, they left the step's start the newest event read, and the watcher failed a release the newer replica
had moved past the step. The shared read (services/shared/newest_logged.py) notes them: the release's newest event
being one of them raises UnknownHere, as the database path does (gate.latest_known), and the watcher leaves the
release to a newer replica. A malformed event is skipped as before.
"""

from __future__ import annotations

from services.approval.gate import UnknownHere
from services.shared.bus import Bus
from services.shared.events import ReleaseEvent
from services.shared.giveup import LOG_CLOCK_SKEW
from services.shared.newest_logged import MovedOnByNewer, NewerNoted, latest_event
from services.shared.retries import Retry

__all__ = ["READ_TIMEOUT", "NewerNoted", "latest_logged"]

READ_TIMEOUT = 30.0  # seconds for the log read to reach what the log held at its start (as latest_event)


async def latest_logged(bus: Bus, timer: ReleaseEvent) -> ReleaseEvent:
    """The release's latest event in the log, read from the step's start on (rare: a broker read of the whole
    deadline's log); UnknownHere if the newest is a newer Greenlight's."""
    try:
        latest = await latest_event(bus, timer.release_id, timer.occurred_at - LOG_CLOCK_SKEW, READ_TIMEOUT)
    except MovedOnByNewer as exc:
        raise UnknownHere(timer.release_id, exc.why) from exc
    except Exception as exc:
        raise Retry(f"the release log could not be read: {exc!r}"[:300], dependency="release log") from exc
    if latest is None or latest.seq < timer.seq:
        raise Retry("the release log does not hold this release's step yet", dependency="release log")
    return latest
