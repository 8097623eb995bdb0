"""Which replica consumes which partition of a worker's queue (see partitions.py for why partitions).

A replica owns a partition while it holds the partition's lock: what owning one means, on a channel of its own
that takes the handlers with it when it closes, is owned_partitions.py's; how many to own, fair_share.py's. This
module runs the claims for as long as the replica runs: it joins the replicas, checks every
`GREENLIGHT_PARTITION_CHECK_INTERVAL`, stops the handlers of a replica cut off by a silent network, and on stop hands
every partition back.
"""

from __future__ import annotations

import asyncio
import contextlib

import structlog
from aio_pika.abc import AbstractChannel

from services.shared.awaiting import awaiting_at
from services.shared.bus import Bus
from services.shared.consumer import Subscription, routing_keys
from services.shared.fair_share import PATIENT_CHECKS, FairShare
from services.shared.membership import Membership
from services.shared.partitions import declare_partitions
from services.shared.queue_consumer import quietly_bounded
from services.shared.safepoint import learn_recent_endings
from services.shared.silence import finish_unless_disconnected, heartbeat_of, watch_silence
from services.shared.stop_deadline import within_stop
from services.shared.stuck import on_the_broker
from services.shared.timeouts import bounded

__all__ = ["PATIENT_CHECKS", "PartitionClaims"]  # PATIENT_CHECKS is imported from here too

log = structlog.get_logger(__name__)
# Seconds a stop waits for the broker's answer to each of its steps (a check under way, the hand-overs' closes past
# the grace period, the locks' deletion, the control channel's close), as quietly_bounded's: a broker that keeps the
# connection open and never answers (a paused node, a network dropping every packet) held the stop until the
# heartbeats found the connection stuck (minutes; never without heartbeats). Past it each is cut off: the process
# closes the connection next, and a call unanswered that long means the broker answers nothing on it.
ANSWERED_WITHIN = 5.0
# Seconds a partition check may take before a warning says where it waits. A check is a few broker round trips, or a
# reconnect's few seconds; meanwhile this replica claims nothing, so a check that never ends leaves partitions (a
# dead replica's) consumed by nobody for good, and nothing in the logs said so: a chaos run under load (2026-12-07)
# ended with every switcher partition unowned while a switcher ran, and nothing told where its checks were.
SLOW_CHECK = 30.0


class PartitionClaims(FairShare):
    """A `Worker` (consumer.py) for a partitioned subscription: one Consumer per partition it owns."""

    def __init__(self, bus: Bus, subscription: Subscription, partitions: list[str] | None = None) -> None:
        super().__init__(bus, subscription, partitions)
        self.draining = asyncio.Event()
        self._control: AbstractChannel | None = None
        self._task: asyncio.Task[None] | None = None
        self._watch: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()
        self.slow_check = SLOW_CHECK

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
        if self._task is not None:  # a check under way ends, or is cut off past the bound: the connection goes next
            await finish_unless_disconnected(self._task, self.bus.connection, within=within_stop(ANSWERED_WITHIN))
        owned, self.owned = self.owned, {}
        await asyncio.gather(*(consumer.stop(grace) for consumer in owned.values()),
                             quietly_bounded(self._stop_handing_over(grace), grace + ANSWERED_WITHIN))
        # The next owner need not wait for this connection to close; a broker that does not answer drops them with it.
        await quietly_bounded(self._drop_locks(list(owned)), ANSWERED_WITHIN)
        if self._control is not None and not self.bus.connection.is_closed:
            await quietly_bounded(self._control.close(), ANSWERED_WITHIN)

    async def _drop_locks(self, partitions: list[str]) -> None:
        for name in partitions:
            await self._locks.drop(name)
        await self._feed.drop()  # another replica may feed the hungry now

    async def _run(self, interval: float) -> None:
        while not self._stopping.is_set():
            # A poll period: nothing announces a free partition or a new replica.
            with contextlib.suppress(TimeoutError):
                await bounded(self._stopping.wait(), interval)
                return
            loop = asyncio.get_running_loop()
            began = loop.time()
            slow = loop.call_later(self.slow_check, self._check_is_slow)
            try:
                await on_the_broker(self.check())
            except Exception as exc:  # the broker away, reconnecting or stuck: the next check tries again
                log.warning("partition check failed", error=repr(exc))
            finally:
                slow.cancel()
            if (took := loop.time() - began) >= self.slow_check:
                log.warning("slow partition check ended", queue=self.queue_name, took=round(took, 1))
            await self._announce()

    def _check_is_slow(self) -> None:
        assert self._task is not None
        log.warning("partition check still under way: this replica claims nothing until it ends",
                    queue=self.queue_name, after=self.slow_check, waiting_at=awaiting_at(self._task))
