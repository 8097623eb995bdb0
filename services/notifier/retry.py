"""Retries on the broker, not in memory: a failed delivery waits in a delay queue, then comes back.

One quorum delay queue per step of the backoff (`<prefix>notifier.retry.<n>`), consumed by nobody.
A parked message carries a per-message TTL equal to its queue's delay; when it runs out the queue
dead-letters it, through the default exchange, straight into the notifier's work queue, with the
subscription it is for in a header. One delay per queue keeps each queue FIFO: TTLs expire only at
a queue's head, so mixed delays in one queue would hold a short retry behind a long one.
A receiver's Retry-After picks a step, never a delay of its own (`level_for`): the queues stay FIFO, and the wait
survives a restart as any retry does.
(Kept inside the notifier on purpose: issue 14a's generic broker retry can absorb it later.)
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

import aio_pika
from aio_pika.abc import AbstractChannel

from services.shared.bus import Bus, PublishFailed
from services.shared.events import ReleaseEvent
from services.shared.stuck import on_the_broker
from services.shared.timeouts import bounded

SUBSCRIPTION_HEADER = "x-greenlight-subscription"
OUTAGES_HEADER = "x-greenlight-database-outages"


class RetryQueues:
    def __init__(self, bus: Bus, work_queue: str, queues: Sequence[str], delays: Sequence[float]) -> None:
        assert len(queues) == len(delays)
        self.bus = bus
        self.work_queue = work_queue
        self.queues = tuple(queues)
        self.delays = tuple(delays)
        self._channel: AbstractChannel | None = None

    async def start(self) -> None:
        self._channel = await self.bus.connection.channel(publisher_confirms=True, on_return_raises=True)
        for queue in self.queues:
            await self._channel.declare_queue(queue, durable=True, arguments={
                **self.bus.settings.quorum_arguments(),
                "x-dead-letter-exchange": "",  # the default exchange: routes by queue name
                "x-dead-letter-routing-key": self.work_queue,
                "x-dead-letter-strategy": "at-least-once",  # not dropped between the two queues
                "x-overflow": "reject-publish",
            })

    async def close(self) -> None:
        if self._channel is not None and not self._channel.is_closed:
            await self._channel.close()

    @property
    def levels(self) -> int:
        return len(self.delays)

    def level_for(self, attempts: int, wait: float | None = None) -> int:
        """The backoff step of the retry after `attempts` attempts, or a later one whose delay covers `wait` (the
        receiver's Retry-After): the first that does, else the longest. So a retry comes no sooner than asked, and no
        later than the longest step (a Retry-After of a day is not a day's silence for every later event)."""
        level = min(attempts, self.levels - 1)
        if wait is None or self.delays[level] >= wait:
            return level
        later = range(level, self.levels)
        return next((n for n in later if self.delays[n] >= wait), max(later, key=lambda n: self.delays[n]))

    async def park(self, event: ReleaseEvent, subscription_id: str | None, level: int, outages: int = 0) -> None:
        """Deliver `event` again, for `subscription_id` only (None: every subscription), after the delay of
        backoff step `level`. `outages`: how many times the database was away for it so far (consumer.py)."""
        assert self._channel is not None, "RetryQueues.start() first"
        level = min(max(level, 0), self.levels - 1)
        headers: dict[str, object] = {} if subscription_id is None else {SUBSCRIPTION_HEADER: subscription_id}
        if outages:
            headers[OUTAGES_HEADER] = outages
        message = aio_pika.Message(
            event.dumps(), content_type="application/json", message_id=f"{event.message_id}/{subscription_id or '*'}",
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT, headers=headers,  # type: ignore[arg-type]
            expiration=timedelta(seconds=max(self.delays[level], 0.001)),
        )
        try:
            await bounded(
                on_the_broker(self._channel.default_exchange.publish(message, self.queues[level], mandatory=True)),
                self.bus.settings.publish_timeout,
            )
        except (TimeoutError, aio_pika.exceptions.AMQPError, ConnectionError, RuntimeError) as exc:
            raise PublishFailed(f"retry of {event.message_id} not confirmed: {exc!r}") from exc
