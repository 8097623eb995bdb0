"""The safe point before a handler runs: a release that already ended, or that a stale message's step already
took past, is not worked on again."""

from __future__ import annotations

from datetime import datetime

import structlog

from services.shared.bus import Bus
from services.shared.deadlines import STEP_DEADLINES, STEP_STARTED_BY
from services.shared.ended import ENDINGS, STALE_AFTER, is_stale, newer_ending
from services.shared.events import BadMessage, ReleaseEvent
from services.shared.giveup import LOG_CLOCK_SKEW
from services.shared.newest_logged import MovedOnByNewer, latest_event
from services.shared.release import utcnow
from services.shared.releaselog import LogReader
from services.shared.store import ReleaseStore

log = structlog.get_logger(__name__)


class EndingsRead(LogReader):
    """A log read that keeps the endings a newer Greenlight wrote (ended.newer_ending), which it cannot parse."""

    def __init__(self, bus: Bus, store: ReleaseStore, since: datetime) -> None:
        super().__init__(bus, store, since)
        self.newer_endings: list[tuple[str, str]] = []

    def unreadable(self, body: bytes, offset: int, problem: BadMessage) -> None:
        if (ending := newer_ending(body, problem)) is None:
            super().unreadable(body, offset, problem)
        else:
            self.newer_endings.append(ending)


async def learn_recent_endings(bus: Bus) -> None:
    """Once per process, after its watcher runs: the endings of the last STALE_AFTER from the log, so a message
    younger than that (not checked against the log) is known ended even if it ended before this process began; a
    newer Greenlight's ending too (an ending is the last event of a release)."""
    if bus.ended.seeded:
        return
    store = ReleaseStore()
    reader = EndingsRead(bus, store, since=utcnow() - STALE_AFTER - LOG_CLOCK_SKEW)
    try:
        await reader.start()
    finally:
        await reader.stop()
    for history in store.history.values():
        if history and history[-1].event.state in ENDINGS:
            bus.ended.add(history[-1].event)
    for release_id, state in reader.newer_endings:
        bus.ended.ended_as(release_id, state)
    bus.ended.seeded = True


async def already_past(bus: Bus, event: ReleaseEvent, *, waited: bool) -> bool:
    """Whether the release ended (aborted, past a deadline, failed) after `event` was published, or, for a step's
    input read from the log, moved past that step (its outcome is logged: nothing is left to redo) or was moved on
    by a newer Greenlight (its newest logged event one this version cannot read: a rolling upgrade).

    What this process saw end is known at once; a message that `waited` (came back from a retry) or is
    stale may predate this process, so the release log is read for it: only messages that sat in a queue
    pay for that read, never the ordinary hop. A stale step input whose release went on is a message a consumer
    held unacked for long (a partition, a hung channel): acted on, it would deploy an old release onto a colour
    a newer one had since taken, or fail a release that went live. Said here, in one line that says which, when True:
    the consumer says nothing more."""
    if event.state in ENDINGS:
        return False
    if (ended := bus.ended.ending(event.release_id)) is not None:
        log.info("release already ended; not acting on it", ended=ended)
        return True
    # Only a step's own input is worth the read: a durable timer (the switcher's scale-down) is stale by design.
    if not (waited or (is_stale(event) and event.state in STEP_STARTED_BY)):
        return False
    try:
        latest = await latest_event(bus, event.release_id, since=event.occurred_at - LOG_CLOCK_SKEW)
    except MovedOnByNewer as exc:
        # A rolling upgrade: this version cannot tell whether the release is past the step, and acting on it would
        # redo a step beside the newer version (or on a seq its event holds). A newer replica acts on it.
        log.warning("a release a newer Greenlight moved on; left to it, not acted on", release=event.release_id,
                    unknown=exc.why)
        return True
    except Exception as exc:  # the log is only a guard here; the publish-time check still holds
        log.warning("could not read the release log before acting", error=repr(exc))
        return False
    if latest is not None and latest.state in ENDINGS:
        bus.ended.add(latest)
        log.info("release already ended; not acting on it", ended=latest.state.value)
        return True
    step = STEP_STARTED_BY.get(event.state)
    if latest is not None and step is not None and latest.seq > event.seq and \
            latest.state not in STEP_DEADLINES[step][1]:
        log.info("the release went past this step meanwhile; not acting on it", step=step, now=latest.state.value)
        return True
    return False
