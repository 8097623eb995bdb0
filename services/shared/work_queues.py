"""A worker's queues: the work queue each service consumes (quorum, a delivery limit just past the consumer's own,
dead-lettered at least once) and its retry queues, one per backoff tier (retries.py parks messages in them).
Declared idempotently by every service, like the rest of the topology (topology.py)."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from typing import Any

import aio_pika
import structlog
from aio_pika.abc import AbstractExchange, AbstractQueue, AbstractRobustConnection

from services.shared.settings import BusSettings

log = structlog.get_logger(__name__)
BROKER_DELIVERY_MARGIN = 3


def work_queue_arguments(settings: BusSettings) -> dict[str, Any]:
    return {
        **settings.quorum_arguments(),
        # Beyond the consumer's own limit: past it the consumer fails the release itself (see
        # AckPolicy); the broker dead-letters on its own only if even those give-ups never settle.
        "x-delivery-limit": settings.delivery_limit + BROKER_DELIVERY_MARGIN,
        "x-dead-letter-exchange": settings.dead_letter_exchange,
        # at-least-once dead-lettering so nothing is lost between the queue and the DLQ.
        "x-dead-letter-strategy": "at-least-once",
        "x-overflow": "reject-publish",
    }


async def declare_work_queue(connection: AbstractRobustConnection, settings: BusSettings, name: str,
                             routing_keys: Sequence[str]) -> None:
    """A work queue bound to `routing_keys` on the exchange. One that exists with other arguments (declared
    by a service with another delivery limit) is kept as it is: the consumer's own limit still applies."""
    await declare_work_queues(connection, settings, {name: routing_keys})


async def declare_work_queues(connection: AbstractRobustConnection, settings: BusSettings,
                              queues: Mapping[str, Sequence[str]]) -> None:
    """`declare_work_queue` for each, through one channel. A channel per queue meant eight opens and closes at each
    start-up, and CI once lost a replica at start-up to the broker closing its whole connection with
    `CHANNEL_ERROR - expected 'channel.open'` (a frame on a channel number the broker had closed; not reproduced
    here in 200 start-ups): fewer channel cycles, fewer chances. A refused declare closes the channel, so the
    next queues go through a new one."""
    channel = await connection.channel()
    try:
        exchange: AbstractExchange = await channel.get_exchange(settings.exchange, ensure=False)
        for name, routing_keys in queues.items():
            try:
                queue: AbstractQueue = await channel.declare_queue(name, durable=True,
                                                                   arguments=work_queue_arguments(settings))
            except aio_pika.exceptions.ChannelPreconditionFailed as exc:
                log.info("work queue exists with other arguments; keeping it", queue=name, detail=str(exc)[:200])
                channel = await connection.channel()  # the failed declare closed the last one
                exchange = await channel.get_exchange(settings.exchange, ensure=False)
                queue = await channel.declare_queue(name, passive=True)
            for key in routing_keys:
                await queue.bind(exchange, key)
    finally:
        if not channel.is_closed:
            await channel.close()


def retry_delays(settings: BusSettings) -> tuple[float, ...]:
    """THE retry tiers: initial, doubling, capped at the maximum. One delay queue per tier and work queue,
    because a queue expires messages only at its head: one queue for all delays would hold a 1 s retry
    behind a 30 s one."""
    delays: list[float] = []
    delay = settings.retry_initial_delay
    while delay < settings.retry_max_delay:
        delays.append(delay)
        delay *= 2
    delays.append(settings.retry_max_delay)
    return tuple(delays)


def next_wait(delays: tuple[float, ...], attempt: int, jitter: float, asked: float | None) -> tuple[float, float]:
    """The tier to park in and the wait: the attempt's tier minus jitter, or, when the dependency asked for a wait
    (Retry-After), the first tier that long at least, never less than asked (the longest tier at most: a queue
    expires only at its head, so no wait may pass its tier's delay)."""
    delay = delays[min(attempt - 1, len(delays) - 1)]
    if asked is not None:
        delay = max(delay, next((tier for tier in delays if tier >= asked), delays[-1]))
    wait = delay * (1 - random.uniform(0, jitter))
    return delay, wait if asked is None else max(wait, min(asked, delay))


def retry_queue_name(work_queue: str, delay: float) -> str:
    return f"{work_queue}.retry-{round(delay * 1000)}ms"


def retry_queue_arguments(settings: BusSettings, work_queue: str, delay: float) -> dict[str, Any]:
    """Nobody consumes a retry queue: a message waits out the queue's TTL (or its own shorter `expiration`,
    the jitter) and the broker dead-letters it back to `work_queue` through the default exchange."""
    return {
        **settings.quorum_arguments(),
        "x-message-ttl": round(delay * 1000),
        "x-dead-letter-exchange": "",
        "x-dead-letter-routing-key": work_queue,
        "x-dead-letter-strategy": "at-least-once",  # nothing lost between the retry queue and the work queue
        "x-overflow": "reject-publish",
    }


async def declare_retry_queue(channel: aio_pika.abc.AbstractChannel, settings: BusSettings, work_queue: str,
                              delay: float) -> str:
    name = retry_queue_name(work_queue, delay)
    await channel.declare_queue(name, durable=True, arguments=retry_queue_arguments(settings, work_queue, delay))
    return name
