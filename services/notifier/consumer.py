"""The notifier's consumer: the shared ack policy, but a notification never fails a release.

Its own (not services/shared/consumer.py) because a retry names its subscription in a header the
shared handler signature does not carry. Ack after every delivery of the event is sent or parked;
an exception requeues (the database away: parked on the broker, outage_parking.py); past the delivery limit, and for
an unparsable body, the message is dead-lettered with the reason and the release goes on untouched.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import structlog
from aio_pika.abc import AbstractChannel, AbstractIncomingMessage, AbstractQueue

from services.notifier.outage_parking import OutageParking, outages_of
from services.notifier.retry import SUBSCRIPTION_HEADER, RetryQueues
from services.shared.bus import Bus
from services.shared.consumer import _bounded, delivery_attempt
from services.shared.db.outage import is_outage
from services.shared.events import BadMessage, ReleaseEvent, parse_event
from services.shared.giveup import GiveUp, settle
from services.shared.locks import KeyedLocks
from services.shared.stop_deadline import within_stop
from services.shared.topology import declare_work_queue

log = structlog.get_logger(__name__)
Handle = Callable[[ReleaseEvent, str | None], Awaitable[None]]
Finished = Callable[[ReleaseEvent, str], Awaitable[bool]]  # (event, subscription): the delivery has its outcome


class NotifierConsumer:
    def __init__(self, bus: Bus, queue: str, handle: Handle, retries: RetryQueues, finished: Finished) -> None:
        self.bus = bus
        self.queue_name = queue
        self.handle = handle
        self.retries = retries
        self.finished = finished
        # Tasks take the lock in delivery order (asyncio locks are FIFO): one release's events stay in order.
        self._locks = KeyedLocks()
        self._in_flight: set[asyncio.Task[None]] = set()
        self._channel: AbstractChannel | None = None
        self._holding = False
        self._queue: AbstractQueue | None = None
        self._tag: str | None = None
        self._give_up = GiveUp(bus, "notifier", queue)
        self._parking = OutageParking(retries, self._give_up)

    async def declare(self) -> None:
        await declare_work_queue(self.bus.connection, self.bus.settings, self.queue_name, [])  # bound: notified.py

    async def consume(self, channel: AbstractChannel) -> None:
        """Consume on `channel` (its prefetch set), the one the queue's lock is held on (active.py)."""
        self._holding = False
        self._parking.parked.clear()  # a replica that held the queue meanwhile took what they were
        self._channel = channel
        self._queue = await channel.get_queue(self.queue_name, ensure=True)
        self._tag = await self._queue.consume(self._spawn, no_ack=False)

    def abandon(self) -> None:
        """The channel, and with it the lock, is gone or going: what was taken goes back to the queue for the next
        active replica, so the deliveries under way stop rather than send alongside its."""
        self._holding = True
        for task in self._in_flight:
            task.cancel()

    async def lose(self) -> None:
        """`abandon`, and wait for the deliveries under way to end."""
        self.abandon()
        await asyncio.gather(*self._in_flight, return_exceptions=True)

    async def stop(self, grace: float) -> None:
        alive = not self.bus.connection.is_closed
        if alive and self._queue is not None and self._tag is not None:
            await _bounded(self._queue.cancel(self._tag))
        if self._in_flight:
            _, pending = await asyncio.wait(self._in_flight, timeout=within_stop(grace))
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        if alive and self._channel is not None:
            await _bounded(self._channel.close())

    async def _spawn(self, message: AbstractIncomingMessage) -> None:
        if self._holding:
            return  # left unacked: returned to the queue when the channel closes
        task = asyncio.create_task(self._handle(message))
        self._in_flight.add(task)
        task.add_done_callback(self._in_flight.discard)

    async def _handle(self, message: AbstractIncomingMessage) -> None:
        try:
            event = parse_event(message.body)
        except BadMessage as exc:
            await self._give_up.dead_letter(message, f"{self.queue_name}: {exc}")
            return
        only = str(raw) if (raw := (message.headers or {}).get(SUBSCRIPTION_HEADER)) is not None else None
        attempt = delivery_attempt(message)
        if attempt > self.bus.settings.delivery_limit:
            await self._give_up.dead_letter(message, f"notifier gave up after {attempt - 1} deliveries")
            return
        async with self._locks.hold(event.release_id):  # parking for an outage too: the next event sees it
            try:
                if only is not None and (left := self.retries.left(message.headers)) > 0:
                    if not await self._finished(event, only):
                        await self.retries.again(event, only, left)  # its receiver's Retry-After is not over yet
                elif (level := self._parking.ahead(event, only)) is not None:
                    await self.retries.park(event, only, level=level, outages=outages_of(message))
                else:
                    await self.handle(event, only)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if is_outage(exc):
                    await self._parking.wait_out(message, event, only, exc)
                    return
                log.warning("notification failed; will be redelivered", attempt=attempt, error=repr(exc),
                            release=event.release_id)
                await settle(message.nack(requeue=True))
                return
        await settle(message.ack())

    async def _finished(self, event: ReleaseEvent, only: str) -> bool:
        """Whether a retry waiting out its receiver's Retry-After has nothing left to do (handlers.py's `finished`):
        dropped then, not parked again until the hour is over. The database away: parked again, its wait kept (an
        outage's park would send it before the wait ends)."""
        try:
            finished = await self.finished(event, only)
        except Exception as exc:
            if not is_outage(exc):
                raise
            return False
        if finished:
            log.info("a retry whose delivery is settled; dropped", subscription=only, release=event.release_id,
                     seq=event.seq)
        return finished
