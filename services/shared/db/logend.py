"""The end of the release log at this moment: the offset of a marker published now and read back (a stream's
declare-ok has no message count). A standby is ready once the projection has passed it."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from dataclasses import dataclass, field

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


@dataclass
class LogEnd:
    """The end of the log at one moment (a marker's offset in the stream), and what the database had folded just
    before the marker was published."""

    end: int
    folded: int
    _target: int | None = field(default=None, init=False)  # once told

    async def in_database(self, database: ReleaseDatabase, stream: str) -> int | None:
        """The end in the database's offsets, which run on past a replaced stream's (log_consumer.py): what a read
        model's folded offset is compared with. None while that cannot be told yet: a marker numbered at or below
        what was folded before it was published is on a stream that replaced the folded one, whose new base the
        leader stores with its first batch from it. Taken for the end before, it let a standby be ready (and a
        deadline decide) with none of the new stream folded. Asked again, it is told once the base is stored; once
        told, it is kept (a later replacement's base does not number this marker)."""
        if self._target is None:
            replaced = await database.keyed(_OFFSET, {"s": replaced_key(stream)})
            target = self.end + (int(replaced[0][0]) + 1 if replaced else 0)
            self._target = target if target > self.folded else None
        return self._target


async def log_end_now(bus: Bus, database: ReleaseDatabase) -> LogEnd:
    folded = await database.last_offset()
    return LogEnd(await log_end(bus, bus.settings.log_stream), folded)


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
