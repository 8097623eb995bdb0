"""The end of the release log at this moment: the offset of a marker published now and read back (a stream's
declare-ok has no message count). A standby is ready once the projection has passed it."""

from __future__ import annotations

import asyncio
import contextlib
import uuid

import aio_pika
import sqlalchemy as sa
from aio_pika.abc import AbstractIncomingMessage

from services.shared.bus import Bus
from services.shared.db.batches import replaced_key
from services.shared.db.releases import ReleaseDatabase
from services.shared.db.schema import projection
from services.shared.releaselog import MARKER_HEADER, consume_log
from services.shared.timeouts import bounded

_OFFSET = sa.select(projection.c.log_offset).where(projection.c.stream == sa.bindparam("s"))


async def log_end_in_database(bus: Bus, database: ReleaseDatabase) -> int:
    """`log_end` in the database's offsets, which run on past a replaced stream's (log_consumer.py): what a read
    model's folded offset is compared with."""
    end = await log_end(bus, bus.settings.log_stream)
    replaced = await database.keyed(_OFFSET, {"s": replaced_key(bus.settings.log_stream)})
    return end + (int(replaced[0][0]) + 1 if replaced else 0)


async def log_end(bus: Bus, stream: str) -> int:
    """The offset of a marker published now: the end of the log at this moment."""
    marker = uuid.uuid4().hex
    found: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    closing = False

    async def on_message(message: AbstractIncomingMessage) -> None:
        # No ack may be sent once the close below began: RabbitMQ answers a frame on a channel it has closed
        # with CHANNEL_ERROR "expected 'channel.open'" and closes the whole connection, and the service's
        # start-up died of it (CI, several processes starting at once and logging). An ack begun before the
        # close is queued ahead of it (aiormq writes frames in order), so checking here, then acking at once,
        # is enough.
        if not closing:
            with contextlib.suppress(Exception):
                await message.ack()
        if (message.headers or {}).get(MARKER_HEADER) == marker and not found.done():
            found.set_result(int(message.headers["x-stream-offset"]))  # type: ignore[arg-type]

    channel = await consume_log(bus, stream, 100, on_message, {"x-stream-offset": "next"})
    try:
        await channel.default_exchange.publish(
            aio_pika.Message(b"", headers={MARKER_HEADER: marker}), routing_key=stream)
        return await found
    finally:
        closing = True
        with contextlib.suppress(Exception):
            await bounded(channel.close(), 5)
