"""The lock a replica holds while it consumes a partition (owned_partitions.py).

An exclusive queue `<partition>.owner`: only one connection can declare it, and the broker deletes it the moment
that connection goes (a killed process: at once; a silent network: after the heartbeat timeout). So a replica that
dies frees its partitions without a word, and none is consumed by two replicas at once. The same kind of lock,
`<queue>.feeding.owner`, lets one replica at a time give a partition up to a replica below its floor (FeedLock).
"""

from __future__ import annotations

import contextlib

import aio_pika
import aiormq
from aio_pika.abc import AbstractChannel

from services.shared.partitions import feeder_name, lock_name

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

    def held(self, partition: str) -> bool:
        holder = self._holders.get(partition)
        return holder is not None and not holder.is_closed

    async def drop(self, partition: str) -> None:
        """Delete the lock, so the next owner need not wait for this connection to close."""
        holder = self._holders.pop(partition, None)
        if self.control is None or holder is None or holder.is_closed:
            return  # the broker dropped the lock with the connection
        # No timeout: an AMQP call cancelled half-way leaves aiormq out of step with the broker, which then
        # closes the whole connection (504 "expected 'channel.open'", seen under load).
        with contextlib.suppress(Exception):
            await self.control.queue_delete(lock_name(partition))


class FeedLock:
    """Held by the one replica giving a partition up to a hungry replica (claims.py), from that decision until the
    partition is taken, or nobody is hungry: the replicas at the rounded-up share all see the hunger, and none sees
    the others' partition free while its messages still run, so each gave one up (4 partitions on 3 replicas: 2
    moves for 1). The broker decides who takes it, and drops it with its holder's connection."""

    def __init__(self, locks: PartitionLocks, queue: str) -> None:
        self._locks = locks
        self._name = feeder_name(queue)
        self.partition: str | None = None  # the partition given up while it is held
        self._free_for = 0  # our checks that found that partition released and still free
        self.left_free = False  # let go at the last check with the partition still free: to be claimed back at once

    async def free(self, connection: aio_pika.abc.AbstractConnection) -> bool:
        """Whether no replica is feeding now (a look, cheaper than the partitions' while one waits on its builds)."""
        return await self._locks.free(connection, self._name)

    async def take(self, connection: aio_pika.abc.AbstractConnection, partition: str) -> bool:
        """Hold the lock to give `partition` up; False if another replica took it first."""
        channel = aio_pika.Channel(connection)
        await channel.initialize()
        try:
            if not await self._locks.take(channel, self._name):
                return False
        finally:
            with contextlib.suppress(Exception):  # the exclusive queue is the connection's, not the channel's
                if not channel.is_closed:
                    await channel.close()
        self.partition, self._free_for = partition, 0
        return True

    async def feeding(self, connection: aio_pika.abc.AbstractConnection, hungry: bool, handing_over: bool,
                      patience: int) -> bool:
        """Whether we still feed at this check: someone is hungry, and the partition we gave up is being handed over
        or lies free, for at most `patience` checks (a hungry replica that never claims it must not leave it unowned
        for long: then `left_free`). Otherwise the lock is dropped: the partition was taken, and the next feeder sees
        its taker fed."""
        self.left_free = False
        if self.partition is None:
            return False
        free = not handing_over and await self._locks.free(connection, self.partition)
        if hungry and self._locks.held(self._name) and (handing_over or (free and self._free_for < patience)):
            self._free_for += free
            return True
        self.left_free = free
        await self.drop()
        return False

    async def drop(self) -> None:
        self.partition = None
        await self._locks.drop(self._name)
