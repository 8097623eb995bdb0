"""Durable timers on RabbitMQ: survive restarts of the switcher and of the broker.

A timer is a message parked in a delay queue that nobody consumes. Its per-message TTL
(`expiration`) runs out at the head of the queue, and the queue dead-letters it to the main
exchange under TIMER_KEY, which the switcher's own work queue binds: the timer comes back as an
ordinary delivery, acked only after its handler ran. All timers share one delay, so they expire
in the order they were set (TTL expiry happens only at the head of a queue).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Protocol

import aio_pika
import structlog
from aio_pika.abc import AbstractChannel

from services.shared.bus import Bus, PublishFailed
from services.shared.events import ReleaseEvent
from services.shared.stuck import on_the_broker
from services.shared.timeouts import bounded

log = structlog.get_logger(__name__)
TIMER_KEY = "timer.switcher.scale-down"
# RabbitMQ refuses an `expiration` past 10 years (`value_too_large`) and closes the channel: a longer scale-down delay
# (the setting has no maximum: "keep it warm for good") failed every switch's timer after its flip, so no `live`.
MAX_DELAY_SECONDS = 3650 * 24 * 3600.0


class Timers(Protocol):
    async def schedule(self, event: ReleaseEvent, delay: float) -> None:
        """Deliver `event` to the switcher's queue (routing key TIMER_KEY) after `delay` seconds."""
        ...


class RabbitTimers:
    def __init__(self, bus: Bus, queue: str) -> None:
        self.bus = bus
        self.queue = queue
        self._channel: AbstractChannel | None = None

    async def start(self) -> None:
        self._channel = await self.bus.connection.channel(publisher_confirms=True, on_return_raises=True)
        await self._declare()

    async def _declare(self) -> None:
        assert self._channel is not None
        await self._channel.declare_queue(self.queue, durable=True, arguments={
            **self.bus.settings.quorum_arguments(),
            "x-dead-letter-exchange": self.bus.settings.exchange,
            "x-dead-letter-routing-key": TIMER_KEY,
            # at-least-once: an expired timer is not dropped between this queue and the work queue.
            "x-dead-letter-strategy": "at-least-once",
            "x-overflow": "reject-publish",
        })

    async def close(self) -> None:
        if self._channel is not None:
            await self._channel.close()

    async def schedule(self, event: ReleaseEvent, delay: float) -> None:
        assert self._channel is not None, "RabbitTimers.start() first"
        message = aio_pika.Message(
            event.dumps(), content_type="application/json", message_id=f"{event.message_id}/timer",
            headers={"app": event.app},  # what a partitioned queue hashes on (shared/partitions.py)
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
            expiration=timedelta(seconds=min(max(delay, 0.001), MAX_DELAY_SECONDS)),
        )
        try:
            try:
                await self._publish(message)
            except aio_pika.exceptions.PublishError:
                # Returned: the queue was deleted under the running switcher (an operator, a policy), which only a
                # reconnect or a restart declared again. Until then every switch failed to set its timer.
                log.warning("the timer queue is gone; declaring it again", queue=self.queue)
                await self._declare()
                await self._publish(message)
        except (TimeoutError, aio_pika.exceptions.AMQPError, ConnectionError, RuntimeError) as exc:
            raise PublishFailed(f"timer for {event.message_id} not confirmed: {exc!r}") from exc

    async def _publish(self, message: aio_pika.Message) -> None:
        assert self._channel is not None
        await bounded(on_the_broker(self._channel.default_exchange.publish(message, self.queue, mandatory=True)),
                      self.bus.settings.publish_timeout)
