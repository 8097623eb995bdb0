"""Retries on the broker, not in memory: a failed delivery waits in a delay queue, then comes back.

One quorum delay queue per step of the backoff (`<prefix>notifier.retry.<n>`), consumed by nobody.
A parked message carries a per-message TTL equal to its queue's delay; when it runs out the queue
dead-letters it, through the default exchange, straight into the notifier's work queue, with the
subscription it is for in a header. One delay per queue keeps each queue FIFO: TTLs expire only at
a queue's head, so mixed delays in one queue would hold a short retry behind a long one.
A receiver's Retry-After picks a step, never a delay of its own (`level_for`): the queues stay FIFO, and the wait
survives a restart as any retry does. One longer than the longest step (up to GREENLIGHT_NOTIFIER_RETRY_AFTER_CAP) is
waited out at that step again and again, what is left of it in a header (`again`).
(Kept inside the notifier on purpose: issue 14a's generic broker retry can absorb it later.)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta

import aio_pika
from aio_pika.abc import AbstractChannel

from services.notifier.retry_after import WAIT_HEADER, wait_header, wait_left
from services.shared.bus import Bus, PublishFailed
from services.shared.events import ReleaseEvent
from services.shared.queue_consumer import quietly_bounded
from services.shared.stuck import on_the_broker
from services.shared.timeouts import bounded

SUBSCRIPTION_HEADER = "x-greenlight-subscription"
OUTAGES_HEADER = "x-greenlight-database-outages"


class RetryQueues:
    def __init__(self, bus: Bus, work_queue: str, queues: Sequence[str], delays: Sequence[float],
                 wait_cap: float = 0.0) -> None:
        assert len(queues) == len(delays)
        self.bus = bus
        self.work_queue = work_queue
        self.queues = tuple(queues)
        self.delays = tuple(delays)
        # The longest Retry-After honoured: GREENLIGHT_NOTIFIER_RETRY_AFTER_CAP, never less than the longest step.
        self.wait_cap = max(wait_cap, *self.delays)
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
            await quietly_bounded(self._channel.close())  # a broker that stopped answering must not hold the stop

    @property
    def levels(self) -> int:
        return len(self.delays)

    def level_for(self, attempts: int, wait: float | None = None) -> int:
        """The backoff step of the retry after `attempts` attempts, or a later one whose delay covers `wait` (the
        receiver's Retry-After): the first that does, else the longest, whose wait `park_for` repeats for the rest."""
        level = min(attempts, self.levels - 1)
        if wait is None or self.delays[level] >= wait:
            return level
        later = range(level, self.levels)
        return next((n for n in later if self.delays[n] >= wait), max(later, key=lambda n: self.delays[n]))

    async def park_for(self, event: ReleaseEvent, subscription_id: str, attempts: int, asked: float | None) -> int:
        """Park the retry after `attempts` attempts at its backoff step, or for the receiver's Retry-After `asked`
        (at most `wait_cap`): at the first step that covers it, else at the longest, with the rest to wait in a
        header (`again`). The step parked at."""
        wait = None if asked is None else min(asked, self.wait_cap)
        level = self.level_for(attempts, wait)
        await self.park(event, subscription_id, level, left=(wait or 0.0) - self.delays[level])
        return level

    def left(self, headers: Mapping[str, object] | None) -> float:
        """Seconds of a receiver's Retry-After a retry back from its step has still to wait (0: none)."""
        return wait_left((headers or {}).get(WAIT_HEADER), self.wait_cap)

    async def again(self, event: ReleaseEvent, subscription_id: str, left: float) -> None:
        """Park a retry back before its receiver's Retry-After ran out for the rest of it, without an attempt."""
        await self.park_for(event, subscription_id, 0, left)

    async def park(self, event: ReleaseEvent, subscription_id: str | None, level: int, outages: int = 0,
                   left: float = 0.0) -> None:
        """Deliver `event` again, for `subscription_id` only (None: every subscription), after the delay of
        backoff step `level`. `outages`: how many times the database was away for it so far (consumer.py);
        `left`: seconds of a Retry-After still to wait once back."""
        assert self._channel is not None, "RetryQueues.start() first"
        level = min(max(level, 0), self.levels - 1)
        headers: dict[str, object] = {} if subscription_id is None else {SUBSCRIPTION_HEADER: subscription_id}
        if outages:
            headers[OUTAGES_HEADER] = outages
        headers.update(wait_header(left))
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
