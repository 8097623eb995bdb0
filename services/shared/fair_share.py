"""How many partitions of a worker's queue a replica owns: its fair share, worked out at every check.

Every `GREENLIGHT_PARTITION_CHECK_INTERVAL` each replica counts the replicas (consumers of `<queue>.replicas`), works
out its fair share (K / replicas, rounded up), gives up what it holds beyond it (idle ones; busy ones past a bound:
busy_handover.py) and claims free partitions up to it; a replica below its floor is fed one partition at a time by one
replica (FeedLock). Fail-over after a replica dies is therefore one check interval plus a redelivery. What owning one
means is owned_partitions.py's; running the checks for as long as the replica runs, claims.py's.
"""

from __future__ import annotations

import functools
import math
import random

from services.shared.bus import Bus
from services.shared.busy_handover import BusyHandover
from services.shared.consumer import Subscription
from services.shared.membership import Membership
from services.shared.owned_partitions import OwnedPartitions
from services.shared.partition_lock import FeedLock

PATIENT_CHECKS = 4  # at its floor share, a replica looks for a free partition every 4th check, unless one was freed


class FairShare(OwnedPartitions):
    """The check that claims and gives up partitions (PartitionClaims, claims.py, runs it)."""

    def __init__(self, bus: Bus, subscription: Subscription, partitions: list[str] | None = None) -> None:
        super().__init__(bus, subscription, partitions)
        self._members: Membership | None = None  # joined at the start
        self._checks = 0
        self._replicas = 0  # counted at the last check
        self._eager = 0  # checks left that look for free partitions whatever the patience
        self._hungry_for = 0  # our checks in a row, before this one, that found another replica hungry
        self._busy = BusyHandover(bus.settings.partition_busy_handover_after)
        self._feed = FeedLock(self._locks, self.queue_name)

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
        lock, ours until taken: each at the top gave one up: test_rebalance_gives_a_hungry_replica_only_what_it_needs);
        and hungry still once nothing is free: it stops saying so before the claim that feeds it (`fed_by`), so a claim
        seen here (nothing free) after the hunger read at the check's start is seen with its hunger gone (on a loaded
        machine a second replica gave one up meanwhile: test_hunger_gone_during_a_check_is_not_fed)
        """
        connection = self.bus.connection
        busy = self.owned[partition].in_flight
        assert self._members is not None
        return self._hungry_for >= (PATIENT_CHECKS if busy else 1) and self._busy.allows(busy) and not self.releasing \
            and await self._feed.free(connection) and not await self._locks.any_free(
                connection, [name for name in self.partitions if name not in self.owned]) \
            and await self._members.hungry_others() > 0 and await self._feed.take(connection, partition)
