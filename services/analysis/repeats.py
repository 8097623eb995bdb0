"""What keeps a copy of an event from starting a second chain of measurements.

A measurement is not repeatable: measured twice, one event becomes two different events with one seq, and the read
model keeps the first while every step after acts on whichever its queue hands it. Copies come from a step
re-emitting its hand-over, a publish retried after a lost confirm, and a redelivery after a kill between a publish
and its ack. This process remembers what it published and what it is measuring; a redelivery it does not know to be
measured past is checked against the log (a publish that raised may have been logged all the same).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import OrderedDict
from collections.abc import Iterator

import structlog

from services.shared.bus import REDELIVERED, Bus
from services.shared.events import ReleaseEvent
from services.shared.giveup import LOG_CLOCK_SKEW
from services.shared.newest_logged import MovedOnByNewer, latest_event

log = structlog.get_logger(__name__)
REMEMBERED = 10_000  # releases whose newest seq is remembered, most recent first


class Repeats:
    def __init__(self) -> None:
        # The newest seq this process published per release (bounded): a duplicate of an event it has already
        # measured past would start a second chain.
        self.ahead: OrderedDict[str, int] = OrderedDict()
        # The seq a handler here is measuring from, per release, while it runs, and what is set when it ends: a copy
        # of that event arrives while the first one waits for its due time, and `ahead` only knows once it has
        # published.
        self.measuring: dict[str, tuple[int, asyncio.Event]] = {}

    def known(self, event: ReleaseEvent) -> bool:
        """Whether `event` is a copy of one this process measured past, or older than one it is measuring from now."""
        if self.ahead.get(event.release_id, 0) > event.seq:
            log.info("already measured past this event; not measuring again", ahead=self.ahead[event.release_id])
            return True
        if (running := self.measuring.get(event.release_id)) is not None and running[0] > event.seq:
            log.info("measuring from a later event already; not measuring this one", measuring=running[0])
            return True  # acked: the later event's own message carries the schedule
        return False

    async def after_the_same(self, event: ReleaseEvent) -> bool:
        """Wait while a handler here measures from this very event; `known` tells after it whether it published.
        The copy is not acked meanwhile: it may be the one delivery left (its channel lost, the broker handed the
        message over again, and the first can no longer be acked nor returned). It holds the prefetch slot the
        first held, for up to an interval, and a stop cancels it unacked: the broker has the message back."""
        waited = False
        while (running := self.measuring.get(event.release_id)) is not None and running[0] == event.seq:
            log.info("measuring from this event already; waiting for that to end", measuring=running[0])
            await running[1].wait()
            waited = True
        return waited

    @contextlib.contextmanager
    def measuring_from(self, event: ReleaseEvent) -> Iterator[None]:
        running = self.measuring[event.release_id] = (event.seq, asyncio.Event())
        try:
            yield
        finally:
            running[1].set()
            if self.measuring.get(event.release_id) is running:
                del self.measuring[event.release_id]

    async def logged_past(self, event: ReleaseEvent, bus: Bus, waited: bool = False) -> bool:
        """For a redelivery (`known` found it not measured past): whether the log holds a later event of the release.
        This process may have started after the kill, another replica may have taken it first, or a publish here
        may have raised after the broker logged it (a lost confirm): `ahead` learns only of confirmed ones. Read
        only for a redelivery: the log since the event is read whole."""
        if not (REDELIVERED.get() or waited):
            return False
        try:
            latest = await latest_event(bus, event.release_id, since=event.occurred_at - LOG_CLOCK_SKEW)
        except MovedOnByNewer as exc:
            # A rolling upgrade: a measurement from here would be a second event on a seq the newer one may hold.
            log.warning("a newer Greenlight logged a later event of this release; not measuring the redelivery",
                        release=event.release_id, unknown=exc.why)
            return True
        except Exception as exc:  # the log is a guard here; a repeat measurement is the read model's conflict
            log.warning("could not read the release log before measuring a redelivery", error=repr(exc))
            return False
        if latest is None or latest.seq <= event.seq:
            return False
        log.info("the log holds a later event of this release; not measuring the redelivery", logged=latest.seq)
        self.published(latest)
        return True

    def published(self, event: ReleaseEvent) -> None:
        self.ahead[event.release_id] = event.seq
        self.ahead.move_to_end(event.release_id)
        while len(self.ahead) > REMEMBERED:
            self.ahead.popitem(last=False)
