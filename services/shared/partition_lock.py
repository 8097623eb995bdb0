"""The lock a replica holds while it consumes a partition (owned_partitions.py).

An exclusive queue `<partition>.owner`: only one connection can declare it, and the broker deletes it the moment
that connection goes (a killed process: at once; a silent network: after the heartbeat timeout). So a replica that
dies frees its partitions without a word, and none is consumed by two replicas at once.
"""

from __future__ import annotations

import contextlib

import aio_pika
import aiormq
from aio_pika.abc import AbstractChannel

from services.shared.partitions import lock_name

LOCKED = (aio_pika.exceptions.ChannelClosed, aio_pika.exceptions.ChannelInvalidStateError)


class PartitionLocks:
    def __init__(self) -> None:
        # The connection each lock was declared on: the broker deletes the lock with it, so a lock whose
        # connection closed is not ours to delete (another replica may hold it by now).
        self._holders: dict[str, aiormq.abc.AbstractConnection] = {}
        self.control: AbstractChannel | None = None  # where locks are deleted: a channel that recovers

    async def take(self, channel: aio_pika.Channel, partition: str) -> bool:
        """Declare the lock on `channel`, the one the partition will be consumed on; False if another holds it
        (RESOURCE_LOCKED closes the channel)."""
        holder = (await channel.get_underlay_channel()).connection
        try:
            await channel.declare_queue(lock_name(partition), exclusive=True, durable=False)
        except LOCKED:
            return False
        self._holders[partition] = holder
        return True

    async def free(self, connection: aio_pika.abc.AbstractConnection, partition: str) -> bool:
        """Whether nobody holds the lock now (a passive declare: 404 free, 405 RESOURCE_LOCKED held; either closes the
        channel, so a throwaway one)."""
        channel = aio_pika.Channel(connection)
        await channel.initialize()
        try:
            await channel.declare_queue(lock_name(partition), passive=True)
        except aio_pika.exceptions.ChannelNotFoundEntity:
            return True
        except LOCKED:
            return False
        with contextlib.suppress(Exception):  # ours: declared on this connection (a partition being given up)
            await channel.close()
        return False

    async def any_free(self, connection: aio_pika.abc.AbstractConnection, partitions: list[str]) -> bool:
        for partition in partitions:
            if await self.free(connection, partition):
                return True
        return False

    async def drop(self, partition: str) -> None:
        """Delete the lock, so the next owner need not wait for this connection to close."""
        holder = self._holders.pop(partition, None)
        if self.control is None or holder is None or holder.is_closed:
            return  # the broker dropped the lock with the connection
        # No timeout: an AMQP call cancelled half-way leaves aiormq out of step with the broker, which then
        # closes the whole connection (504 "expected 'channel.open'", seen under load).
        with contextlib.suppress(Exception):
            await self.control.queue_delete(lock_name(partition))
