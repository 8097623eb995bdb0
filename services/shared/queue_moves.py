"""What relayout.py does to one queue of a layout no longer used: its messages moved into the layout in use, the
queue deleted once empty, and the lookups that find such queues (a passive declare on a channel of its own each).
"""

from __future__ import annotations

import asyncio

import aio_pika
import structlog
from aio_pika.abc import AbstractIncomingMessage, AbstractRobustConnection

from services.shared.partitions import partition_names

log = structlog.get_logger(__name__)
MOVE_PREFETCH = 16
# The key a message was first routed under, kept by a move (which sends it on under another) for subscribed.py.
ROUTED_AS = "x-greenlight-routed-as"
CLOSE_PATIENCE = 5.0  # seconds for a channel the broker closed to be closed on our side
MOVE_PATIENCE = 1.0  # seconds for the next message of a retired queue: a process of the old count may hold it


async def move_messages(connection: AbstractRobustConnection, source: str, into: aio_pika.abc.AbstractExchange,
                        key: str | None) -> int:
    """What `source` holds now into `into`, each message acked once its copy is confirmed. Consumed, not got: a
    partition is a single-active-consumer queue, which refuses basic.get. A process with the old count still
    consuming it keeps its messages (they stop coming): what it does not handle is moved at a later start."""
    channel = await connection.channel()
    try:
        await channel.set_qos(prefetch_count=MOVE_PREFETCH)
        queue = await channel.declare_queue(source, passive=True)
        left = int(queue.declaration_result.message_count or 0)
        arrived: asyncio.Queue[AbstractIncomingMessage] = asyncio.Queue()
        if left:
            await queue.consume(arrived.put)
        moved = 0
        while moved < left:
            try:
                message = await asyncio.wait_for(arrived.get(), MOVE_PATIENCE)
            except TimeoutError:
                log.warning("a retired queue's messages did not come; left for a later start", queue=source)
                break
            # The key it was routed under is lost to the move (its copy goes out under the queue's name or the
            # ring's): kept in a header, for the subscription's check of what it takes (subscribed.py).
            headers = {ROUTED_AS: message.routing_key or "", **(message.headers or {})}
            await into.publish(aio_pika.Message(
                message.body, headers=headers, content_type=message.content_type,
                message_id=message.message_id, timestamp=message.timestamp,
                delivery_mode=aio_pika.DeliveryMode.PERSISTENT), routing_key=key or "")
            await message.ack()
            moved += 1
        return moved
    finally:
        if not channel.is_closed:  # returns what was delivered and not moved
            await channel.close()


async def delete_if_empty(connection: AbstractRobustConnection, name: str) -> None:
    """Deleted once empty (quorum queues refuse a conditional delete, so it is looked at first). Unbound, it gets
    no message but a retry's, dead-lettered back to it, which a later start moves."""
    channel = await connection.channel()
    try:
        queue = await channel.declare_queue(name, passive=True)
        if queue.declaration_result.message_count:
            log.warning("a retired queue still holds messages; left for a later start", queue=name)
            return
        await channel.queue_delete(name)
    finally:
        if not channel.is_closed:
            await channel.close()


async def partitions_from(connection: AbstractRobustConnection, queue: str, first: int) -> list[str]:
    """The partitions numbered `first` and up that exist (an earlier count made p0 … p<K-1>, no gaps)."""
    found: list[str] = []
    index = first
    lookout = QueueLookout(connection)  # one channel for the run of partitions found, closed by the first miss
    try:
        while await lookout.exists(name := partition_names(queue, index + 1)[index]):
            found.append(name)
            index += 1
    finally:
        await lookout.close()
    return found


class QueueLookout:
    """Passive declares on one channel, kept between looks: a queue that is there costs no channel of its own (the
    deadline watch looks for four every 10 s); one that is missing closes it (the broker's 404), and the next look
    opens another. Not robust: nothing to recover after a reconnect, where the next look opens one too."""

    def __init__(self, connection: AbstractRobustConnection) -> None:
        self.connection = connection
        self._channel: aio_pika.Channel | None = None

    async def exists(self, name: str) -> bool:
        if self._channel is None or self._channel.is_closed:
            self._channel = aio_pika.Channel(self.connection)
            await self._channel.initialize()
        channel = self._channel
        try:
            await channel.declare_queue(name, passive=True)
            return True
        except aio_pika.exceptions.ChannelClosed:
            # Until the channel has closed on our side, aiormq holds a task failing with the broker's 404: a process
            # exiting meanwhile (a start-up error right after) logged it as an unhandled error.
            await asyncio.wait_for(channel.closed(), CLOSE_PATIENCE)
            return False
        except BaseException:  # cut off mid-declare (a check's bound): its answer may still come, on another look
            await self.close()
            raise

    async def close(self) -> None:
        channel, self._channel = self._channel, None
        if channel is not None and not channel.is_closed:
            await channel.close()


async def queue_exists(connection: AbstractRobustConnection, name: str) -> bool:
    """One look, on a channel of its own."""
    lookout = QueueLookout(connection)
    try:
        return await lookout.exists(name)
    finally:
        await lookout.close()
