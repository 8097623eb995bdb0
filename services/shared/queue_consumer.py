"""A work queue's consumer as far as every consumer goes: each delivery started as a task of its own (what it goes
through is delivery_handling.py), the tasks drained at a stop, and the queue given up to another replica (a
partition: `consume` on the channel its lock is held on, then `release`, or `abandon`/`lose` once the channel is
gone). Consuming an unpartitioned queue for as long as the service runs, again when lost, is consumer.py."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable

import structlog
from aio_pika.abc import AbstractChannel, AbstractIncomingMessage, AbstractQueue

from services.shared.bus import Bus
from services.shared.delivery_handling import Deliveries
from services.shared.stop_deadline import within_stop
from services.shared.stuck import on_the_broker
from services.shared.timeouts import bounded
from services.shared.work_subscription import Subscription

log = structlog.get_logger(__name__)


class QueueConsumer:
    def __init__(self, bus: Bus, subscription: Subscription, queue: str | None = None, *,
                 one_per_app: bool = False) -> None:
        self.bus = bus
        self.sub = subscription
        self.queue_name = queue or subscription.queue or f"{bus.settings.queue_prefix}{subscription.service}"
        self._channel: AbstractChannel | None = None
        self._queue: AbstractQueue | None = None
        self._tag: str | None = None
        self._in_flight: set[asyncio.Task[None]] = set()
        self.draining = asyncio.Event()  # set once no new message will be taken
        self._deliveries = Deliveries(bus, subscription, self.queue_name, one_per_app=one_per_app)
        self._holding = False  # giving the queue up: deliveries from now on are not started (see release)

    @property
    def handled(self) -> int:
        return self._deliveries.handled

    @property
    def in_flight(self) -> int:
        return len(self._in_flight)

    @property
    def tag(self) -> str | None:
        return self._tag

    @property
    def abandoned(self) -> bool:
        return self._holding

    @property
    def channel_lost(self) -> bool:
        return self._channel is not None and self._channel.is_closed

    async def consume(self, channel: AbstractChannel) -> None:
        """Consume this queue on `channel` (its prefetch already set)."""
        self._channel = channel
        self._queue = await channel.get_queue(self.queue_name, ensure=True)
        self._tag = await self._queue.consume(self._spawn, no_ack=False)
        log.info("consuming", queue=self.queue_name, states=[s.value for s in self.sub.states],
                 ack_policy=self.sub.ack_policy.value)

    async def release(self, grace: float | None) -> None:
        """Give a partition up to another replica without handing it a later message of an app still being
        handled here: deliveries stop (basic.cancel), the messages taken finish (within `grace`; None: however
        long they take, each within its handler's own timeout, until `abandon`), then the channel closes. The
        partition's lock, dropped only after this, keeps the next owner off meanwhile.
        Holding back what kept coming instead, and returning it at the close, spent one of each message's
        allowed deliveries per hand-over: a quorum queue counts every return. What an ack sent during the
        cancel's round trip still brings (the broker fills the prefetch it freed) is returned so, once."""
        if self._queue is not None and self._tag is not None and not self.channel_lost:
            await quietly_bounded(self._queue.cancel(self._tag))
        self._holding = True
        self.draining.set()
        await self._finish(grace)
        if self._channel is not None and not self._channel.is_closed:
            with contextlib.suppress(Exception):  # not bounded: a cancelled close desyncs the connection
                await self._channel.close()

    def abandon(self) -> None:
        """The channel closed under us (connection lost): nothing taken can be acked any more and the broker
        hands it to the next owner, so the handlers stop now rather than act alongside it. Synchronous: run
        from the channel's close callback, the moment the loss is seen."""
        self._holding = True
        for task in self._in_flight:
            task.cancel()

    async def lose(self) -> None:
        """`abandon`, wait for the handlers to end, and close the channel if it is open still (abandoned while
        the broker did not answer): what it holds goes back to the queue."""
        self.abandon()
        await asyncio.gather(*self._in_flight, return_exceptions=True)
        await self._deliveries.retrier.close()
        if self._channel is not None and not self._channel.is_closed:
            with contextlib.suppress(Exception):  # not bounded: a cancelled close desyncs the connection
                await self._channel.close()

    async def _finish(self, grace: float | None) -> None:
        if self._in_flight:
            _, pending = await asyncio.wait(self._in_flight, timeout=None if grace is None else within_stop(grace))
            for task in pending:  # unacked: the broker redelivers them to another consumer
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        await self._deliveries.retrier.close()

    async def _spawn(self, message: AbstractIncomingMessage) -> None:
        if self._holding:
            return  # left unacked: returned to the queue when the channel closes
        task = asyncio.create_task(self._deliveries.handle(message))
        self._in_flight.add(task)
        task.add_done_callback(self._in_flight.discard)


async def quietly_bounded(op: Awaitable[object], seconds: float = 5.0) -> None:
    """A broker call during shutdown: on a dead connection a robust channel would wait forever, and on a stuck one
    the call is cancelled under us (stuck.py): either way the stop goes on."""
    with contextlib.suppress(Exception):
        await bounded(on_the_broker(op), within_stop(seconds))
