"""A worker's queues in a layout no longer used, after GREENLIGHT_PARTITIONS changed: unbound, emptied into the
layout in use, and deleted.

Left alone, a change of the partition count stranded events: from K to fewer, the partitions past the new count
stayed bound to the hash ring, so the apps hashing to them were stuck for good; from 0 to K the shared queue
stayed bound beside the partitions, and from K to 0 the ring beside the shared queue, each growing with nobody
reading it. Every service runs this as it declares the topology: the queues of the old layout are unbound first
(nothing new reaches them), then what they hold, their retry queues' parked messages included (they would be
dead-lettered back to a queue that is gone), is published into the layout in use with confirms and only then
acked, and the emptied queues are deleted. Several processes starting together compete for the messages as
consumers do; a crash between a publish and its ack leaves a copy, which the handlers' idempotency absorbs. A
moved retry comes back before its backoff ends: handled, it is retried again if its dependency is still down.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import aio_pika
import structlog
from aio_pika.abc import AbstractChannel, AbstractIncomingMessage, AbstractRobustConnection

from services.shared.partitions import hash_exchange_name, partition_names
from services.shared.settings import BusSettings
from services.shared.topology import retry_delays, retry_queue_name

log = structlog.get_logger(__name__)
RING_KEY = "1"  # a partition's binding to the ring (its weight)
MOVE_PREFETCH = 16
CLOSE_PATIENCE = 5.0  # seconds for a channel the broker closed to be closed on our side
MOVE_PATIENCE = 1.0  # seconds for the next message of a retired queue: a process of the old count may hold it


async def retire_old_layout(connection: AbstractRobustConnection, settings: BusSettings, queue: str,
                            routing_keys: Sequence[str]) -> None:
    """After `queue`'s layout for `settings.partitions` is declared: retire what an earlier count left."""
    ring = hash_exchange_name(queue)
    if settings.partitions:
        old = [queue] if await _exists(connection, queue) else []
        old += await _partitions_from(connection, queue, settings.partitions)
        ring_retired = False
    else:
        # The ring goes with its partitions: without them it routes nowhere. (Not looked for on its own: a passive
        # exchange declare that fails leaves aiormq a task whose error is logged at exit, on every start.)
        old = await _partitions_from(connection, queue, 0)
        ring_retired = bool(old)
    if not old and not ring_retired:
        return  # the usual start: nothing but two looks
    channel = await connection.channel(publisher_confirms=True)
    try:
        events = await channel.get_exchange(settings.exchange, ensure=False)
        if ring_retired:
            for routing_key in routing_keys:
                await (await channel.get_exchange(ring, ensure=False)).unbind(events, routing_key)
        for name in old:
            try:
                await _retire(connection, channel, settings, name, queue, routing_keys)
            except aio_pika.exceptions.ChannelNotFoundEntity:  # processes starting together race for it
                log.info("a retired queue is gone already: another process retired it", queue=name)
                if not channel.is_closed:
                    await channel.close()
                channel = await connection.channel(publisher_confirms=True)
        if ring_retired:
            await channel.exchange_delete(ring)
    finally:
        if not channel.is_closed:
            await channel.close()


async def _retire(connection: AbstractRobustConnection, channel: AbstractChannel, settings: BusSettings, name: str,
                  queue: str, routing_keys: Sequence[str]) -> None:
    retired = await channel.declare_queue(name, passive=True)
    if name == queue:  # the shared queue of 0, bound to the events exchange
        events = await channel.get_exchange(settings.exchange, ensure=False)
        for routing_key in routing_keys:
            await retired.unbind(events, routing_key)
        # The layout in use is the ring, which hashes the `app` header of each moved message again.
        into, key = await channel.get_exchange(hash_exchange_name(queue), ensure=False), None
    else:
        await retired.unbind(await channel.get_exchange(hash_exchange_name(queue), ensure=False), RING_KEY)
        into, key = ((await channel.get_exchange(hash_exchange_name(queue), ensure=False), None)
                     if settings.partitions else (channel.default_exchange, queue))
    moved = 0
    for source in [*(retry_queue_name(name, delay) for delay in retry_delays(settings)), name]:
        if source == name or await _exists(connection, source):
            moved += await _move(connection, source, into, key)
            await _delete_if_empty(connection, source)
    log.warning("retired a queue of an earlier partition count", queue=name, moved=moved,
                partitions=settings.partitions)


async def _move(connection: AbstractRobustConnection, source: str, into: aio_pika.abc.AbstractExchange,
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
            await into.publish(aio_pika.Message(
                message.body, headers=message.headers, content_type=message.content_type,
                message_id=message.message_id, timestamp=message.timestamp,
                delivery_mode=aio_pika.DeliveryMode.PERSISTENT), routing_key=key or "")
            await message.ack()
            moved += 1
        return moved
    finally:
        if not channel.is_closed:  # returns what was delivered and not moved
            await channel.close()


async def _delete_if_empty(connection: AbstractRobustConnection, name: str) -> None:
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


async def _partitions_from(connection: AbstractRobustConnection, queue: str, first: int) -> list[str]:
    """The partitions numbered `first` and up that exist (an earlier count made p0 … p<K-1>, no gaps)."""
    found: list[str] = []
    index = first
    while await _exists(connection, name := partition_names(queue, index + 1)[index]):
        found.append(name)
        index += 1
    return found


async def _exists(connection: AbstractRobustConnection, name: str) -> bool:
    """A passive declare, on a channel of its own (the broker closes the channel of one that fails), not robust:
    nothing to recover after a reconnect."""
    channel = aio_pika.Channel(connection)
    await channel.initialize()
    try:
        await channel.declare_queue(name, passive=True)
        return True
    except aio_pika.exceptions.ChannelClosed:
        # Until the channel has closed on our side, aiormq holds a task failing with the broker's 404: a process
        # exiting meanwhile (a start-up error right after) logged it as an unhandled error.
        await asyncio.wait_for(channel.closed(), CLOSE_PATIENCE)
        return False
    finally:
        if not channel.is_closed:
            await channel.close()
