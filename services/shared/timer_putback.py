"""A step's timers put back into its timer queue from the release log (deadline_watch.py): one for each of the step's
starting events logged since a time or an offset, with the time each had left."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import aio_pika
from aio_pika.abc import AbstractIncomingMessage, AbstractRobustConnection

from services.shared.events import BadMessage, parse_event
from services.shared.protocol import ReleaseState
from services.shared.releaselog import MARKER_HEADER
from services.shared.settings import BusSettings
from services.shared.stream_consumer import consume_stream

CLOCK_SKEW = timedelta(minutes=1)  # event times are the publishers' clocks: better a timer too many than one too few


async def put_back(connection: AbstractRobustConnection, bus: BusSettings, queue: str, start: ReleaseState,
                   deadline: timedelta, since: datetime | int) -> tuple[int, int]:
    """A timer for each of the step's starting events logged `since` (a time, or a stream offset); how many, and the
    offset read to."""
    now, marker = datetime.now(UTC), uuid.uuid4().hex
    found: list[AbstractIncomingMessage] = []
    read: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    async def on_message(message: AbstractIncomingMessage) -> None:
        await message.ack()  # a stream's ack only grants credit
        headers = message.headers or {}
        if headers.get(MARKER_HEADER) != marker:
            found.append(message)
        elif not read.done():
            offset = headers.get("x-stream-offset")
            read.set_result(offset if isinstance(offset, int) else 0)

    async def reading_channel() -> aio_pika.abc.AbstractChannel:
        channel = await connection.channel()
        await channel.set_qos(prefetch_count=1000)
        return channel

    channel = await consume_stream(reading_channel, bus.log_stream, on_message, {"x-stream-offset": since})
    try:
        await channel.default_exchange.publish(aio_pika.Message(b"", headers={MARKER_HEADER: marker}),
                                               routing_key=bus.log_stream)
        read_to = await read
        put = 0
        for message in found:
            try:
                event = parse_event(message.body)
            except BadMessage:
                continue
            if event.state is start and (left := event.occurred_at + deadline - now) > -CLOCK_SKEW:
                headers = {k: v for k, v in (message.headers or {}).items() if not k.startswith("x-")}
                await channel.default_exchange.publish(aio_pika.Message(
                    message.body, headers=headers, message_id=message.message_id,
                    content_type=message.content_type, delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                    expiration=max(left, timedelta(milliseconds=1))), routing_key=queue)
                put += 1
        return put, read_to
    finally:
        await channel.close()
