"""The safe point before a handler runs: a release that already ended is not worked on again."""

from __future__ import annotations

import structlog

from services.shared.bus import Bus
from services.shared.ended import ENDINGS, is_stale
from services.shared.events import ReleaseEvent
from services.shared.giveup import LOG_CLOCK_SKEW
from services.shared.releaselog import latest_event

log = structlog.get_logger(__name__)


async def already_ended(bus: Bus, event: ReleaseEvent, *, waited: bool) -> bool:
    """Whether the release ended (aborted, past a deadline, failed) after `event` was published.

    What this process saw end is known at once; a message that `waited` (came back from a retry) or is
    stale may predate this process, so the release log is read for it: only messages that sat in a queue
    pay for that read, never the ordinary hop."""
    if event.state in ENDINGS:
        return False
    if event.release_id in bus.ended:
        return True
    if not (waited or is_stale(event)):
        return False
    try:
        latest = await latest_event(bus, event.release_id, since=event.occurred_at - LOG_CLOCK_SKEW)
    except Exception as exc:  # the log is only a guard here; the publish-time check still holds
        log.warning("could not read the release log before acting", error=repr(exc))
        return False
    if latest is not None and latest.state in ENDINGS:
        bus.ended.add(latest)
        return True
    return False
