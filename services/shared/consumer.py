"""Consuming a work queue for as long as the service runs: declared, consumed again when lost, drained at a stop.
What every consumer does (each delivery a task, draining, giving a partition up) is queue_consumer.py; what each
delivery goes through is delivery_handling.py."""

from __future__ import annotations

import asyncio

import aio_pika
import structlog

from services.shared.bus import Bus
from services.shared.delivery_handling import delivery_attempt
from services.shared.queue_consumer import QueueConsumer, quietly_bounded
from services.shared.retries import Retry
from services.shared.safepoint import learn_recent_endings
from services.shared.stuck import on_the_broker
from services.shared.topology import declare_work_queue
from services.shared.work_subscription import AckPolicy, Handler, Subscription, Worker, routing_keys

__all__ = ["AckPolicy", "Consumer", "Handler", "Retry", "Subscription", "Worker", "delivery_attempt", "routing_keys"]

log = structlog.get_logger(__name__)
RESUBSCRIBE_PAUSE = 1.0  # seconds after a failed attempt to consume a lost queue again, doubling up to 10 times it
_bounded = quietly_bounded  # the name services/notifier/consumer.py imports


class Consumer(QueueConsumer):
    def __init__(self, bus: Bus, subscription: Subscription, queue: str | None = None, *,
                 one_per_app: bool = False) -> None:
        super().__init__(bus, subscription, queue, one_per_app=one_per_app)
        # Unpartitioned (`start`): consuming on the broker, and the task that consumes again once that is lost.
        self._consuming = False
        self._keeper: asyncio.Task[None] | None = None
        self._resubscribe = asyncio.Event()

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

    async def stop(self, grace: float) -> None:
        """Stop taking messages, let in-flight ones finish within `grace`, then cancel the rest."""
        if self._keeper is not None:
            self._keeper.cancel()
            await asyncio.gather(self._keeper, return_exceptions=True)
        consuming, self._consuming = self.consuming, False
        alive = not self.bus.connection.is_closed
        if alive and self._queue is not None and self._tag is not None and (consuming or self._keeper is None):
            await quietly_bounded(self._queue.cancel(self._tag))
        self.draining.set()
        await self._finish(grace)
        if alive and self._channel is not None:
            await quietly_bounded(self._channel.close())
