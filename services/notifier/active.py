"""One notifier replica consumes at a time; the others stand by and take over when it goes.

The notifier keeps a release's events in order, and sends each once, with a per-release lock and its delivery
records: the lock holds within one process. Two replicas on one queue (competing consumers) would send one
release's events from two processes at once, out of order. So the queue is consumed only by the replica holding
its lock, the exclusive queue `<queue>.owner` the partitioned workers use (partition_lock.py): the broker deletes it
with its connection (a killed replica: at once; a silent network: after two or three heartbeat timeouts, which the
silence watch beats by stopping the deliveries first), and a standby takes it at its next look, every
GREENLIGHT_PARTITION_CHECK_INTERVAL. What the replica that went had taken and not acked comes back to the head of
the queue, in order. Not partitions: notifications are few, and one replica sends them all; the others are there
to take over.

A look is waited for GREENLIGHT_NOTIFIER_BROKER_TIMEOUT at most, as a re-binding round is (rebinding.py): a broker
that keeps the connection open and never answers held it, and the stop that waited for it, until the heartbeats
found the connection stuck (about 3 min; never without heartbeats). Past the bound it is said once and left to end
(an AMQP call cut off half-way makes the broker close the whole connection), and no other look starts before it has;
a stop cuts it off once past its bound, as the connection goes next.
"""

from __future__ import annotations

import asyncio
import contextlib

import aio_pika
import structlog
from aio_pika.abc import AbstractRobustChannel

from services.notifier.consumer import NotifierConsumer
from services.shared.bus import Bus
from services.shared.partition_lock import PartitionLocks
from services.shared.queue_consumer import quietly_bounded
from services.shared.silence import finish_unless_disconnected, heartbeat_of, watch_silence
from services.shared.stop_deadline import within_stop
from services.shared.stuck import on_the_broker
from services.shared.timeouts import bounded

log = structlog.get_logger(__name__)


class ActiveReplica:
    def __init__(self, bus: Bus, consumer: NotifierConsumer, bound: float) -> None:
        self.bus = bus
        self.consumer = consumer
        self.bound = bound  # seconds a look is waited for: GREENLIGHT_NOTIFIER_BROKER_TIMEOUT
        self.active = asyncio.Event()  # set while this replica holds the lock and consumes
        self._locks = PartitionLocks()
        self._channel: aio_pika.Channel | None = None  # where the lock is held and the queue consumed
        self._control: AbstractRobustChannel | None = None  # where the lock is deleted and the queue looked at
        self._silenced = False
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None  # the looks' loop: it only waits, and is cancelled at stop
        self._looking: asyncio.Task[None] | None = None  # the look under way, or left past its bound
        self._looked_until = 0.0  # the loop's time the look under way is waited for until
        self._watch: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await self.consumer.declare()
        self._locks.control = self._control = await self.bus.connection.channel()
        self._task = asyncio.create_task(self._run(self.bus.settings.partition_check_interval))
        if heartbeat := heartbeat_of(self.bus.connection):
            self._watch = asyncio.create_task(watch_silence(
                self.bus.connection, heartbeat, self._silence,
                "the notifier's deliveries stopped before the broker can give its queue to another replica"))

    async def stop(self, grace: float) -> None:
        self._stopping.set()
        if self._watch is not None:
            self._watch.cancel()
            await asyncio.gather(self._watch, return_exceptions=True)
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        if self._looking is not None:  # until its bound, then cut off: the connection closes after the stop
            left = within_stop(min(grace, self._looked_until - asyncio.get_running_loop().time()))
            await finish_unless_disconnected(self._looking, self.bus.connection, max(0.0, left))
        if self._channel is not None:
            await self.consumer.stop(grace)
            # The standby need not wait for the connection to go; a broker that no longer answers drops it then.
            await quietly_bounded(self._locks.drop(self.consumer.queue_name))
        if self._control is not None and not self.bus.connection.is_closed:
            await quietly_bounded(self._control.close())

    def _silence(self) -> None:
        self._silenced = True
        self.consumer.abandon()

    async def _run(self, interval: float) -> None:
        while not self._stopping.is_set():
            await self._look_in_time()
            with contextlib.suppress(TimeoutError):
                await bounded(self._stopping.wait(), interval)

    async def _look_in_time(self) -> None:
        if self._looking is not None and not self._looking.done():
            return  # the one left past its bound, said then: never two at once
        self._looked_until = asyncio.get_running_loop().time() + self.bound
        self._looking = asyncio.create_task(self._said_look())
        if not (await asyncio.wait({self._looking}, timeout=self.bound))[0]:
            log.warning("the broker did not answer a look at the notifier's queue within "
                        "GREENLIGHT_NOTIFIER_BROKER_TIMEOUT; left to end, the next look after it",
                        timeout=self.bound, queue=self.consumer.queue_name)

    async def _said_look(self) -> None:
        try:
            await on_the_broker(self._look())
        except Exception as exc:  # the broker away: the next look tries again
            log.warning("could not take the notifier's queue over", error=repr(exc)[:200])

    async def _look(self) -> None:
        if self._channel is not None and not (self._channel.is_closed or self._silenced):
            return  # consuming
        if self._channel is not None:  # lost: its channel closed, or silent
            await self.consumer.lose()
            channel, self._channel, self._silenced = self._channel, None, False
            self.active.clear()
            with contextlib.suppress(Exception):  # not bounded: a cancelled close desyncs the connection
                await channel.close()
            await self._locks.drop(self.consumer.queue_name)
            log.warning("notifier's queue lost; standing by")
        if await self._consumed_elsewhere() or self._stopping.is_set():
            return  # the active replica's (asking for its lock would only log a refusal on the broker), or stopping
        channel = aio_pika.Channel(self.bus.connection)
        await channel.initialize()
        if not await self._locks.take(channel, self.consumer.queue_name):
            return  # another replica's
        # At once, not at the next look: with the connection the lock is gone, and another replica may already
        # be sending what this one took.
        channel.close_callbacks.add(lambda _channel, _exc: self.consumer.abandon())
        await channel.set_qos(prefetch_count=self.bus.settings.prefetch)
        await self.consumer.consume(channel)
        self._channel = channel
        self.active.set()
        log.info("notifier active: consuming its queue", queue=self.consumer.queue_name)

    async def _consumed_elsewhere(self) -> bool:
        assert self._control is not None
        # Not robust: a recovering channel keeps every robust declaration, to redo after a reconnect, for good.
        queue = await self._control.declare_queue(self.consumer.queue_name, passive=True, robust=False)
        return bool(queue.declaration_result.consumer_count)
