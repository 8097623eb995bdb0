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

from collections.abc import Sequence

import aio_pika
import structlog
from aio_pika.abc import AbstractChannel, AbstractRobustConnection

from services.shared.partitions import hash_exchange_name
from services.shared.queue_moves import delete_if_empty, move_messages, partitions_from, queue_exists
from services.shared.settings import BusSettings
from services.shared.work_queues import retry_delays, retry_queue_name

log = structlog.get_logger(__name__)
RING_KEY = "1"  # a partition's binding to the ring (its weight)


async def retire_old_layout(connection: AbstractRobustConnection, settings: BusSettings, queue: str,
                            routing_keys: Sequence[str]) -> None:
    """After `queue`'s layout for `settings.partitions` is declared: retire what an earlier count left."""
    ring = hash_exchange_name(queue)
    if settings.partitions:
        old = [queue] if await queue_exists(connection, queue) else []
        old += await partitions_from(connection, queue, settings.partitions)
        ring_retired = False
    else:
        # The ring goes with its partitions: without them it routes nowhere. (Not looked for on its own: a passive
        # exchange declare that fails leaves aiormq a task whose error is logged at exit, on every start.)
        old = await partitions_from(connection, queue, 0)
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
        if source == name or await queue_exists(connection, source):
            moved += await move_messages(connection, source, into, key)
            await delete_if_empty(connection, source)
    log.warning("retired a queue of an earlier partition count", queue=name, moved=moved,
                partitions=settings.partitions)
