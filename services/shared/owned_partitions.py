"""The partitions a replica owns (claims.py decides how many): each consumed on a channel of its own.

A replica owns a partition while it holds the partition's lock (partition_lock.py). Owning it, the replica consumes
the partition on a channel of its own, without automatic recovery: when that channel or the connection
closes, the handlers of that partition are cancelled at once (they could no longer ack, and the broker
may already hand the partition to another replica) and the claim is dropped; so is a consumer the broker
cancels (its queue deleted: the partition is declared again and claimed anew). A connection gone silent is
noticed by the broker before the client library: services/shared/silence.py stops the handlers first.

A partition given up for balance (`_release`) is handed over in the background: its deliveries stop at once, the
messages it took finish however long they take (a build: up to its own timeout), and only then is its lock dropped.
Cut short at the grace period, a 25-minute build began again from scratch on the next owner; awaited in the check,
it held up the replica's claims meanwhile (a dead replica's partitions, a hungry one's share).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

import aio_pika
import structlog

from services.shared.bus import Bus
from services.shared.consumer import Consumer, Subscription, routing_keys
from services.shared.partition_lock import PartitionLocks
from services.shared.partitions import declare_partitions
from services.shared.stop_deadline import within_stop

log = structlog.get_logger(__name__)


class OwnedPartitions:
    """One Consumer per partition owned, claimed and given up one at a time (PartitionClaims, claims.py)."""

    def __init__(self, bus: Bus, subscription: Subscription, partitions: list[str] | None = None) -> None:
        self.bus = bus
        self.sub = subscription
        self.queue_name = subscription.queue or f"{bus.settings.queue_prefix}{subscription.service}"
        self.partitions = partitions or []
        self.owned: dict[str, Consumer] = {}
        self.releasing: dict[str, Consumer] = {}  # given up, finishing what they took; their locks still held
        self._handovers: set[asyncio.Task[None]] = set()
        self._locks = PartitionLocks()
        self._released_handled = 0
        self._checked = asyncio.Condition()  # notified after each check: what it claimed, gave up or lost

    @property
    def handled(self) -> int:
        return self._released_handled + sum(consumer.handled for consumer in [*self.owned.values(),
                                                                              *self.releasing.values()])

    async def _announce(self) -> None:
        async with self._checked:
            self._checked.notify_all()

    async def checked_until(self, test: Callable[[], bool]) -> None:
        """Return once `test()` holds after a check, or its giving up of lost partitions (at once if it holds now):
        nothing else announces a claim, a hand-over or a loss, so a caller (a test) awaits this, not polls `owned`."""
        async with self._checked:
            await self._checked.wait_for(test)

    async def _give_up_lost(self) -> bool:
        """Give up the partitions whose channel or consumer is gone; whether there were any."""
        lost = False
        for name, consumer in list(self.owned.items()):
            if consumer.channel_lost or consumer.abandoned:
                log.warning("partition given up: its channel or consumer is gone; its messages go to the next owner",
                            partition=name)
                del self.owned[name]
                self._released_handled += consumer.handled
                await consumer.lose()
                await self._locks.drop(name)
                lost = True
        return lost

    def _abandon(self) -> None:
        for consumer in [*self.owned.values(), *self.releasing.values()]:
            consumer.abandon()  # the next check gives the partition up, if the broker has not already

    async def _claim(self, name: str) -> bool:
        if name in self.releasing:
            return False  # its lock is ours still, and the exclusive queue would let this connection take it twice
        channel = aio_pika.Channel(self.bus.connection)
        await channel.initialize()
        if not await self._locks.take(channel, name):
            return False  # another replica's
        consumer = Consumer(self.bus, self.sub, queue=name, one_per_app=True)
        # At once, not at the next check (which may be waiting on the broker): with the connection the lock
        # is gone, and another replica may already be handling this partition's messages.
        channel.close_callbacks.add(lambda _channel, _exc: consumer.abandon())
        try:
            await channel.set_qos(prefetch_count=self.bus.settings.prefetch)
            await consumer.consume(channel)
            (await channel.get_underlay_channel()).on_consumer_cancel_callbacks.add(
                lambda frame: self._cancelled(name, consumer, frame.consumer_tag))
        except aio_pika.exceptions.ChannelNotFoundEntity:
            # Deleted (by an operator, or a re-layout): declared again, queue and binding, and claimed next check.
            await self._locks.drop(name)
            self.partitions = await declare_partitions(self.bus.connection, self.bus.settings, self.queue_name,
                                                       routing_keys(self.sub))
            return False
        except BaseException:
            with contextlib.suppress(Exception):
                await channel.close()
            await self._locks.drop(name)
            raise
        self.owned[name] = consumer
        log.info("partition claimed", partition=name)
        return True

    def _cancelled(self, name: str, consumer: Consumer, tag: str | None) -> None:
        """The broker cancelled the consumer while the channel stays open (its queue was deleted): nothing more
        comes, so the partition is given up at the next check and claimed again rather than held idle."""
        if tag is not None and tag == consumer.tag:
            log.warning("partition's consumer cancelled by the broker; claiming it again", partition=name)
            consumer.abandon()

    async def _release(self, name: str) -> None:
        """Give `name` up to another replica, in the background (see the module's doc)."""
        consumer = self.owned.pop(name)
        self.releasing[name] = consumer
        task = asyncio.create_task(self._hand_over(name, consumer))
        self._handovers.add(task)
        task.add_done_callback(self._handovers.discard)

    async def _hand_over(self, name: str, consumer: Consumer) -> None:
        try:
            await consumer.release(None)  # a stop, or the channel lost, cancels what is left (`_stop_handing_over`)
            await self._locks.drop(name)
        finally:
            del self.releasing[name]
            self._released_handled += consumer.handled
        log.info("partition released to another replica", partition=name)

    async def drained(self) -> None:
        """Until every partition being given up is released (tests, and a stop)."""
        await asyncio.gather(*self._handovers, return_exceptions=True)

    async def _stop_handing_over(self, grace: float) -> None:
        """A stop: the messages of partitions being given up get `grace`, like the rest, then are cancelled."""
        if self._handovers:
            await asyncio.wait(self._handovers, timeout=within_stop(grace))
        for consumer in self.releasing.values():
            consumer.abandon()
        await self.drained()
