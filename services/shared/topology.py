"""Exchanges and queues: declared idempotently by every service, so start-up order does not matter. Here the events
and dead-letter exchanges and the release log's stream; a worker's work and retry queues are work_queues.py's."""

from __future__ import annotations

import json
import re

import aio_pika
import structlog
from aio_pika.abc import AbstractExchange, AbstractQueue, AbstractRobustConnection

from services.shared.settings import BusSettings
from services.shared.work_queues import (
    BROKER_DELIVERY_MARGIN,
    declare_retry_queue,
    declare_work_queue,
    declare_work_queues,
    retry_delays,
    retry_queue_arguments,
    retry_queue_name,
    work_queue_arguments,
)

__all__ = [  # the work and retry queues are imported from here too
    "BROKER_DELIVERY_MARGIN", "declare_log_stream", "declare_retry_queue", "declare_topology", "declare_work_queue",
    "declare_work_queues", "log_stream_exists", "retry_delays", "retry_queue_arguments", "retry_queue_name",
    "work_queue_arguments",
]

log = structlog.get_logger(__name__)


async def declare_topology(
    channel: aio_pika.abc.AbstractChannel, settings: BusSettings
) -> tuple[AbstractExchange, AbstractExchange]:
    """Idempotent; every service declares it, so start-up order does not matter."""
    exchange = await channel.declare_exchange(settings.exchange, aio_pika.ExchangeType.TOPIC, durable=True)
    dlx = await channel.declare_exchange(
        settings.dead_letter_exchange, aio_pika.ExchangeType.TOPIC, durable=True
    )
    dead = await channel.declare_queue(
        settings.dead_letter_queue, durable=True, arguments=settings.quorum_arguments()
    )
    await dead.bind(dlx, "#")
    return exchange, dlx


async def declare_log_stream(connection: AbstractRobustConnection, settings: BusSettings) -> None:
    """The release log, on its own channel: a stream declared earlier with other bounds (`GREENLIGHT_LOG_MAX_AGE`,
    `_MAX_BYTES` or `_SEGMENT_BYTES` changed or added since) is kept as it is instead of failing every service's
    start with PRECONDITION_FAILED. A queue's arguments cannot change once declared; a policy's bounds apply to an
    existing stream, which is how the retention of an existing log is changed (the warning prints the policy)."""
    channel = await connection.channel()
    try:
        stream: AbstractQueue = await channel.declare_queue(
            settings.log_stream, durable=True,
            arguments=settings.log_arguments())
    except aio_pika.exceptions.ChannelPreconditionFailed as exc:
        # AMQP cannot read a queue's arguments back, so which one differs is not known here: a bound added since
        # (GREENLIGHT_LOG_MAX_BYTES on a log declared without one) is refused as a changed one is.
        wanted = log_policy(settings)
        log.warning("release log exists with other bounds (max age, max size or segment size); keeping it as it is. "
                    "A policy applies the wanted ones to the existing log: rabbitmqctl set_policy --apply-to queues "
                    f"greenlight-log '^{re.escape(settings.log_stream)}$' '{json.dumps(wanted)}'",
                    stream=settings.log_stream, wanted=wanted, detail=str(exc)[:200])
        channel = await connection.channel()  # the failed declare closed the first one
        stream = await channel.declare_queue(settings.log_stream, passive=True)
    try:
        exchange: AbstractExchange = await channel.get_exchange(settings.exchange, ensure=False)
        await stream.bind(exchange, "release.#")
    finally:
        await channel.close()


def log_policy(settings: BusSettings) -> dict[str, str | int]:
    """The policy keys of the log's bounds, as the settings want them (a policy's names for the stream arguments)."""
    policy: dict[str, str | int] = {"max-age": settings.log_max_age}
    if settings.log_max_bytes is not None:
        policy["max-length-bytes"] = settings.log_max_bytes
    if settings.log_segment_bytes is not None:
        policy["stream-max-segment-size-bytes"] = settings.log_segment_bytes
    return policy


async def log_stream_exists(connection: AbstractRobustConnection, settings: BusSettings) -> bool:
    """Whether the release log's stream exists: a passive declare on a plain channel of its own (the refusal closes
    it; a robust one would open itself again)."""
    channel = aio_pika.Channel(connection)
    await channel.initialize()
    try:
        await channel.declare_queue(settings.log_stream, passive=True)
    except aio_pika.exceptions.ChannelNotFoundEntity:
        return False
    finally:
        if not channel.is_closed:
            await channel.close()
    return True
