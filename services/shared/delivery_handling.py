"""One delivery of a work queue, from its body to its ack: parsed, held in its app's order, handled by the service's
handler, and settled as the subscription's ack policy says (work_subscription.py: `AckPolicy`)."""

from __future__ import annotations

import asyncio
import contextlib

import structlog
from aio_pika.abc import AbstractIncomingMessage

from services.shared.bus import DELIVERED_HEADERS, PUBLISHED, REDELIVERED, RETRIED, Bus, PublishFailed
from services.shared.db.outage import is_outage, outage_of
from services.shared.ended import ReleaseEnded
from services.shared.events import BadMessage, ReleaseEvent, check_routing, parse_event
from services.shared.giveup import GiveUp, earlier_deliveries, settle
from services.shared.locks import KeyedLocks
from services.shared.retries import Budget, Retrier, Retry, RetryState
from services.shared.safepoint import already_past
from services.shared.subscribed import not_taken
from services.shared.timeouts import bounded
from services.shared.work_subscription import Subscription

__all__ = ["Deliveries", "delivery_attempt"]

log = structlog.get_logger(__name__)
RETURN_WAIT = 2.0  # seconds a requeued message's app is held for its redelivery to come (`_requeue`)


class Deliveries:
    """The deliveries of one queue to one subscription's handler."""

    def __init__(self, bus: Bus, subscription: Subscription, queue_name: str, *, one_per_app: bool) -> None:
        self.bus = bus
        self.sub = subscription
        self.queue_name = queue_name
        self.handled = 0
        # `one_per_app`: one message of an app at a time, in delivery order (asyncio.Lock is FIFO); on a
        # partition (partitions.py) this is what keeps an app's releases in order within the one replica.
        self._apps = KeyedLocks() if one_per_app else None
        self._returning: dict[str, tuple[asyncio.Event, asyncio.Event]] = {}  # see _requeue
        self._give_up = GiveUp(bus, subscription.service, queue_name)
        self.retrier = Retrier(bus, subscription.service, queue_name, self._give_up)

    async def handle(self, message: AbstractIncomingMessage) -> None:
        PUBLISHED.set({})
        RETRIED.set(None)
        try:
            event = parse_event(message.body)
            check_routing(event, message.routing_key)
        except BadMessage as exc:
            await self._give_up.dead_letter(message, f"{self.queue_name}: {exc}")
            return
        if (why := not_taken(self.sub, self.bus.settings.queue_prefix, event, message.routing_key,
                             message.headers)) is not None:
            await self._give_up.dead_letter(message, f"{self.queue_name}: {why}")
            return
        bound = structlog.contextvars.bound_contextvars(release=event.release_id, app=event.app,
                                                       state=event.state.value, seq=event.seq)
        with bound:
            if self._apps is None:
                await self._handle_event(message, event)
                return
            if message.redelivered and (back := self._returning.pop(message.message_id or "", None)) is not None:
                back[0].set()  # its failed run holds the app for it (`_requeue`)
                try:
                    await self._handle_event(message, event)
                finally:
                    back[1].set()
                return
            async with self._apps.hold(event.app):
                await self._handle_event(message, event)

    async def _handle_event(self, message: AbstractIncomingMessage, event: ReleaseEvent) -> None:
        attempt = delivery_attempt(message)
        if attempt > self.bus.settings.delivery_limit:
            await self._give_up.unsettled(message, event, attempt)
            return
        retried = RetryState.of(message)
        REDELIVERED.set(bool(message.redelivered) or attempt > 1)
        DELIVERED_HEADERS.set(message.headers)  # not copied: read, never changed
        if self.sub.skip_ended and await already_past(self.bus, event, waited=retried.count > 0):
            await settle(message.ack())  # already_past said why, in one line
            return
        if retried.count:
            RETRIED.set((event.release_id, retried.details()))
        try:
            await self.sub.handler(event, self.bus)
        except asyncio.CancelledError:
            raise
        except ReleaseEnded as exc:  # it ended while the handler worked: stop here, publish nothing more
            log.info("release ended while handling; stopped", reason=str(exc))
            await settle(message.ack())
            return
        except Retry as exc:
            await self.retrier.later(message, (PUBLISHED.get() or {}).get(event.release_id, event), exc,
                                      self._budget(event))
            return
        except Exception as exc:
            if is_outage(exc):  # an outage to wait out, like any dependency's: not a failed delivery
                await self.retrier.later(message, (PUBLISHED.get() or {}).get(event.release_id, event),
                                          outage_of(exc), self._budget(event))
                return
            if attempt < self.bus.settings.delivery_limit and not isinstance(exc, BadMessage):
                log.warning("handler failed; will be redelivered", attempt=attempt, error=repr(exc))
                if isinstance(exc, PublishFailed):
                    # The broker is likely reconnecting: requeueing at once would spend every allowed
                    # delivery in a second, before the publish channel is back.
                    await asyncio.sleep(min(0.5 * 2 ** (attempt - 1), 8.0))
                await self._requeue(message)
                return
            log.error("handler failed for good", error=repr(exc))
            # The newest event confirmed to this process; the give-up settles from the log's newest if that is newer.
            await self._give_up.failing(message, (PUBLISHED.get() or {}).get(event.release_id, event), repr(exc))
            return
        await settle(message.ack())
        self.handled += 1

    async def _requeue(self, message: AbstractIncomingMessage) -> None:
        """Return `message` for another delivery. One message of an app at a time (a partition): the app stays held
        until the redelivery has run, which a quorum queue sends first; let go at once, the app's next message,
        delivered and waiting, ran before it. A redelivery that does not come within RETURN_WAIT (the channel
        lost, the partition given up) lets the app go on."""
        key = message.message_id
        if self._apps is None or not key:
            await settle(message.nack(requeue=True))
            return
        back = self._returning[key] = (asyncio.Event(), asyncio.Event())  # (redelivered, its run ended)
        try:
            await settle(message.nack(requeue=True))
            with contextlib.suppress(TimeoutError):
                await bounded(back[0].wait(), RETURN_WAIT)
                await back[1].wait()
        finally:
            if self._returning.get(key) is back:
                del self._returning[key]

    def _budget(self, event: ReleaseEvent) -> Budget | None:
        return self.sub.retry_budget(event) if self.sub.retry_budget is not None else None


def delivery_attempt(message: AbstractIncomingMessage) -> int:
    """Which delivery of `message` this is (giveup.py `earlier_deliveries`: a publisher's own count on a first delivery
    failed the release unrun, and one that is no number left the message unsettled)."""
    earlier = earlier_deliveries(message)
    return 2 if earlier is None else earlier + 1
