"""Which replica consumes which partition of a worker's queue (see partitions.py for why partitions).

A replica owns a partition while it holds the partition's lock: what owning one means, on a channel of its own
that takes the handlers with it when it closes, is owned_partitions.py's. This module decides how many to own.

Every `GREENLIGHT_PARTITION_CHECK_INTERVAL` each replica counts the replicas (consumers of `<queue>.replicas`), works
out its fair share (K / replicas, rounded up), gives up what it holds beyond it (idle ones; busy ones past a bound:
busy_handover.py) and claims free partitions up to it; a replica below its floor is fed one partition at a time by one
replica (FeedLock). Fail-over after a replica dies is therefore one check interval plus a redelivery.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import math
import random

import structlog
from aio_pika.abc import AbstractChannel

from services.shared.bus import Bus
from services.shared.busy_handover import BusyHandover
from services.shared.consumer import Subscription, routing_keys
from services.shared.membership import Membership
from services.shared.owned_partitions import OwnedPartitions
from services.shared.partition_lock import FeedLock
from services.shared.partitions import declare_partitions
from services.shared.safepoint import learn_recent_endings
from services.shared.silence import finish_unless_disconnected, heartbeat_of, watch_silence
from services.shared.stuck import on_the_broker
from services.shared.timeouts import bounded

log = structlog.get_logger(__name__)
PATIENT_CHECKS = 4  # at its floor share, a replica looks for a free partition every 4th check, unless one was freed


class PartitionClaims(OwnedPartitions):
    """A `Worker` (consumer.py) for a partitioned subscription: one Consumer per partition it owns."""

    def __init__(self, bus: Bus, subscription: Subscription, partitions: list[str] | None = None) -> None:
        super().__init__(bus, subscription, partitions)
        self.draining = asyncio.Event()
        self._control: AbstractChannel | None = None
        self._members: Membership | None = None
        self._checks = 0
        self._replicas = 0  # counted at the last check
        self._eager = 0  # checks left that look for free partitions whatever the patience
        self._hungry_for = 0  # our checks in a row, before this one, that found another replica hungry
        self._busy = BusyHandover(bus.settings.partition_busy_handover_after)
        self._feed = FeedLock(self._locks, self.queue_name)
        self._task: asyncio.Task[None] | None = None
        self._watch: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()

    async def start(self) -> None:
        settings = self.bus.settings
        self.partitions = await declare_partitions(self.bus.connection, settings, self.queue_name,
                                                   routing_keys(self.sub))
        if self.sub.skip_ended:
            await learn_recent_endings(self.bus)
        self._control = await self.bus.connection.channel()  # recovering: membership survives a reconnect
        self._locks.control = self._control
        self._members = Membership(self._control, self.queue_name)
        await self._members.join()
        await self.check()
        log.info("claiming partitions", queue=self.queue_name, partitions=len(self.partitions),
                 owned=sorted(self.owned))
        self._task = asyncio.create_task(self._run(settings.partition_check_interval))
        if heartbeat := heartbeat_of(self.bus.connection):
            self._watch = asyncio.create_task(watch_silence(self.bus.connection, heartbeat, self._abandon))

    async def stop(self, grace: float) -> None:
        self.draining.set()
        self._stopping.set()
        if self._watch is not None:
            self._watch.cancel()
            await asyncio.gather(self._watch, return_exceptions=True)
        if self._task is not None:
            await finish_unless_disconnected(self._task, self.bus.connection)
        owned, self.owned = self.owned, {}
        await asyncio.gather(*(consumer.stop(grace) for consumer in owned.values()), self._stop_handing_over(grace))
        for name in owned:  # the next owner need not wait for this connection to close
            await self._locks.drop(name)
        await self._feed.drop()  # another replica may feed the hungry now
        if self._control is not None and not self.bus.connection.is_closed:
            with contextlib.suppress(Exception):
                await bounded(self._control.close(), 5)

    async def _run(self, interval: float) -> None:
        while not self._stopping.is_set():
            # A poll period: nothing announces a free partition or a new replica.
            with contextlib.suppress(TimeoutError):
                await bounded(self._stopping.wait(), interval)
                return
            try:
                await on_the_broker(self.check())
            except Exception as exc:  # the broker away, reconnecting or stuck: the next check tries again
                log.warning("partition check failed", error=repr(exc))
            await self._announce()

    async def check(self) -> None:
        lost = await self._give_up_lost()
        await self._announce()  # before the calls below, which wait for a broker that is away
        assert self._members is not None
        replicas = await self._members.replicas()
        hungry = await self._members.hungry_others()
        share = math.ceil(len(self.partitions) / replicas)
        floor = len(self.partitions) // replicas
        self._checks += 1
        feeding = await self._feed.feeding(self.bus.connection, hungry > 0, self._feed.partition in self.releasing,
                                           PATIENT_CHECKS)
        # A replica gone (its locks went with it), a partition lost here or fed to nobody: partitions are free now, so
        # they are claimed from this check on, not at a patient replica's every 4th (up to four intervals consumed by
        # nobody). For a few checks: the broker drops a dead replica's membership and its locks one after the other.
        if lost or replicas < self._replicas or self._feed.left_free:
            self._eager = PATIENT_CHECKS
        self._replicas, eager, self._eager = replicas, self._eager > 0, max(0, self._eager - 1)
        idle_first = sorted(self.owned, key=lambda name: self.owned[name].in_flight)
        self._busy.seen(len(self.owned) > share or (hungry > 0 and len(self.owned) > floor))
        if len(self.owned) > share:
            for name in idle_first[: len(self.owned) - share]:
                if self._busy.allows(self.owned[name].in_flight):
                    await self._release(name)
        elif hungry > 0 and len(self.owned) > floor and not feeding and await self._hunger_unfed(idle_first[0]):
            # Everyone at the rounded-up share can leave a replica with none (4 partitions, 3 replicas: 2+2+0):
            # one above the floor (one at a time: the feed lock) gives one up to a replica that says it is below it.
            await self._release(idle_first[0])
        elif len(self.owned) < floor or (len(self.owned) < share and not feeding
                                         and (eager or self._checks % PATIENT_CHECKS == 0)):
            start = random.randrange(len(self.partitions))  # replicas starting together try different ones
            for name in self.partitions[start:] + self.partitions[:start]:
                if len(self.owned) >= share:
                    break
                if name not in self.owned and await self._members.fed_by(
                        len(self.owned) + 1 >= floor, functools.partial(self._locks.free, self.bus.connection, name)):
                    await self._claim(name)
        self._hungry_for = self._hungry_for + 1 if hungry > 0 else 0
        await self._members.say_hungry(len(self.owned) < floor)  # no partition was free for us

    async def _hunger_unfed(self, partition: str) -> bool:
        """Whether a hungry replica needs `partition` of ours: hungry at our previous check too (it has checked since,
        to claim what replicas above their share freed; given up at the first sight, a join moved up to twice what it
        needed: test_join_moves_only_what_the_joiner_needs), or if `partition` is busy, PATIENT_CHECKS and the bound (a
        replica with an idle one goes first); nothing is free or given up by us; no other replica feeds it (the feed
        lock, ours until taken: each at the top gave one up: test_rebalance_gives_a_hungry_replica_only_what_it_needs)
        """
        connection = self.bus.connection
        busy = self.owned[partition].in_flight
        return self._hungry_for >= (PATIENT_CHECKS if busy else 1) and self._busy.allows(busy) and not self.releasing \
            and await self._feed.free(connection) and not await self._locks.any_free(
                connection, [name for name in self.partitions if name not in self.owned]) \
            and await self._feed.take(connection, partition)
