"""Consuming a work queue for as long as the service runs: declared, consumed again when lost, drained at a stop, and
given up to another replica (a partition). What each delivery goes through is delivery_handling.py."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable

import aio_pika
import structlog
from aio_pika.abc import AbstractChannel, AbstractIncomingMessage, AbstractQueue

from services.shared.bus import Bus
from services.shared.delivery_handling import Deliveries, delivery_attempt
from services.shared.retries import Retry
from services.shared.safepoint import learn_recent_endings
from services.shared.stuck import on_the_broker
from services.shared.timeouts import bounded
from services.shared.topology import declare_work_queue
from services.shared.work_subscription import AckPolicy, Handler, Subscription, Worker, routing_keys

__all__ = ["AckPolicy", "Consumer", "Handler", "Retry", "Subscription", "Worker", "delivery_attempt", "routing_keys"]

log = structlog.get_logger(__name__)
RESUBSCRIBE_PAUSE = 1.0  # seconds after a failed attempt to consume a lost queue again, doubling up to 10 times it


class Consumer:
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
        # Unpartitioned (`start`): consuming on the broker, and the task that consumes again once that is lost.
        self._consuming = False
        self._keeper: asyncio.Task[None] | None = None
        self._resubscribe = asyncio.Event()

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

    @property
    def consuming(self) -> bool:
        """Whether the broker is delivering this queue to us: false while it is declared and consumed again."""
        return self._consuming and not self.channel_lost

    async def start(self) -> None:
        """Consume the one queue of an unpartitioned subscription, for as long as the service runs. A plain channel, not
        a robust one: aio-pika restores a robust channel's consumer only to a queue that still exists (a passive
        declare), so a queue deleted under the service (an operator, a policy, a quorum queue lost with its nodes)
        was never consumed again, its events reaching only the log; deleted while the broker was away, it failed
        every reconnect of the whole connection. Here a consumer the broker cancels, or a channel lost, has its queue
        declared again as at start (bindings too) and consumed again (`_keep_consuming`)."""
        await declare_work_queue(self.bus.connection, self.bus.settings, self.queue_name, routing_keys(self.sub))
        if self.sub.skip_ended:
            await learn_recent_endings(self.bus)
        await self._subscribe(declare=False)
        self._keeper = asyncio.create_task(self._keep_consuming())

    async def _subscribe(self, *, declare: bool = True) -> None:
        await self.bus.connection.ready()
        if declare:
            await declare_work_queue(self.bus.connection, self.bus.settings, self.queue_name, routing_keys(self.sub))
        if self._channel is None or self._channel.is_closed:  # after a cancel alone, what it holds is acked on it
            channel = aio_pika.Channel(self.bus.connection)
            await channel.initialize()
            self._channel = channel
            channel.close_callbacks.add(
                lambda closed, exc: self._lost(closed is self._channel, f"its channel closed: {exc!r}"[:300]))
            (await channel.get_underlay_channel()).on_consumer_cancel_callbacks.add(
                lambda frame: self._lost(frame.consumer_tag == self._tag, "the broker cancelled the consumer "
                                         "(its queue deleted?)"))
            await channel.set_qos(prefetch_count=self.bus.settings.prefetch)
        self._queue = await self._channel.get_queue(self.queue_name, ensure=False)
        self._tag = await self._queue.consume(self._spawn, no_ack=False)
        self._consuming = True
        log.info("consuming", queue=self.queue_name, states=[s.value for s in self.sub.states],
                 ack_policy=self.sub.ack_policy.value)

    def _lost(self, ours: bool, why: str) -> None:
        if ours and self._consuming:  # not after a stop began (its close), nor twice for one loss
            log.warning("consumer lost; declaring its queue again and consuming it", queue=self.queue_name, why=why)
            self._consuming = False
            self._resubscribe.set()

    async def _keep_consuming(self) -> None:
        pause = RESUBSCRIBE_PAUSE
        while True:
            await self._resubscribe.wait()
            self._resubscribe.clear()
            while not self._consuming:
                try:
                    await on_the_broker(self._subscribe())
                    pause = RESUBSCRIBE_PAUSE
                except Exception as exc:  # the broker away or refusing: tried again, never given up
                    log.warning("could not consume the queue again; retrying", queue=self.queue_name,
                                error=repr(exc)[:300], pause=pause)
                    await asyncio.sleep(pause)
                    pause = min(pause * 2, 10 * RESUBSCRIBE_PAUSE)

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
            await _bounded(self._queue.cancel(self._tag))
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
            _, pending = await asyncio.wait(self._in_flight, timeout=grace)
            for task in pending:  # unacked: the broker redelivers them to another consumer
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        await self._deliveries.retrier.close()

    async def stop(self, grace: float) -> None:
        """Stop taking messages, let in-flight ones finish within `grace`, then cancel the rest."""
        if self._keeper is not None:
            self._keeper.cancel()
            await asyncio.gather(self._keeper, return_exceptions=True)
        consuming, self._consuming = self.consuming, False
        alive = not self.bus.connection.is_closed
        if alive and self._queue is not None and self._tag is not None and (consuming or self._keeper is None):
            await _bounded(self._queue.cancel(self._tag))
        self.draining.set()
        await self._finish(grace)
        if alive and self._channel is not None:
            await _bounded(self._channel.close())

    async def _spawn(self, message: AbstractIncomingMessage) -> None:
        if self._holding:
            return  # left unacked: returned to the queue when the channel closes
        task = asyncio.create_task(self._deliveries.handle(message))
        self._in_flight.add(task)
        task.add_done_callback(self._in_flight.discard)


async def _bounded(op: Awaitable[object], seconds: float = 5.0) -> None:
    """A broker call during shutdown: on a dead connection a robust channel would wait forever, and on a stuck one
    the call is cancelled under us (stuck.py): either way the stop goes on."""
    with contextlib.suppress(Exception):
        await bounded(on_the_broker(op), seconds)
