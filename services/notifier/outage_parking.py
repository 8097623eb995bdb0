"""A notification parked on the broker while the database is away (subscriptions and delivery records live there),
and the later events of its release that must wait behind it: no record can show it pending meanwhile."""

from __future__ import annotations

import time

import structlog
from aio_pika.abc import AbstractIncomingMessage

from services.notifier.retry import OUTAGES_HEADER, RetryQueues
from services.shared.bus import PublishFailed
from services.shared.db.outage import outage_of
from services.shared.events import ReleaseEvent
from services.shared.giveup import GiveUp, settle
from services.shared.retries import header_count

log = structlog.get_logger(__name__)


class OutageParking:
    def __init__(self, retries: RetryQueues, give_up: GiveUp) -> None:
        self.retries = retries
        self.give_up = give_up
        # Per release, the events parked for a database outage: (seq, only) -> (backoff step, when to stop waiting
        # for it). A later event of the release waits behind them (`ahead`).
        self.parked: dict[str, dict[tuple[int, str | None], tuple[int, float]]] = {}

    def ahead(self, event: ReleaseEvent, only: str | None) -> int | None:
        """The step to wait at behind an earlier event of the release parked for an outage: sent at once, a later
        event came before it (the records that order them could not be written)."""
        parked = self.parked.pop(event.release_id, {})
        parked.pop((event.seq, only), None)  # this one, back
        parked = {key: step for key, step in parked.items() if time.monotonic() < step[1]}
        if parked:
            self.parked[event.release_id] = parked
        return max((level for (seq, _), (level, _) in parked.items() if seq < event.seq), default=None)

    async def wait_out(self, message: AbstractIncomingMessage, event: ReleaseEvent, only: str | None,
                        exc: BaseException) -> None:
        """The database away (subscriptions and delivery records live there): the event waits on the broker at the
        next step of the delivery backoff, for the same subscriptions; past the last step it is dead-lettered
        with the reason. Requeued at once instead, it spent its deliveries in a second and was lost."""
        outages = outages_of(message)
        if outages >= self.retries.levels:
            await self.give_up.dead_letter(message, f"notifier: {outage_of(exc)} ({outages} retries)")
            return
        try:
            await self.retries.park(event, only, level=outages, outages=outages + 1)
        except PublishFailed as park_error:
            log.warning("could not park a notification; will be redelivered", error=str(park_error))
            await settle(message.nack(requeue=True))
            return
        # Waited for no longer than its step and every step together: should it not come back, nothing waits on.
        until = time.monotonic() + self.retries.delays[outages] + sum(self.retries.delays)
        self.parked.setdefault(event.release_id, {})[(event.seq, only)] = (outages, until)
        log.warning("database unavailable; notification parked", release=event.release_id, retry=outages + 1,
                    error=str(outage_of(exc)))
        await settle(message.ack())


def outages_of(message: AbstractIncomingMessage) -> int:
    """How many times the database was away for this event so far."""
    # As the retry headers are read (retries.py): a publisher's "abc" raised while parking (the message unsettled),
    # a negative count picked a delay from the end of the list.
    return header_count((message.headers or {}).get(OUTAGES_HEADER, 0)) or 0
