"""A partition given up to a hungry replica that never claims it (its checks failing, its connection still up) is
not left unowned for long: the replica that gave it up holds the feed lock, and claims nothing meanwhile, only while
the partition lies free for PATIENT_CHECKS of its checks; then it lets go and claims it back at once (not at its
next patient check, up to PATIENT_CHECKS more)."""

from __future__ import annotations

import contextlib

from services.shared.claims import PATIENT_CHECKS
from services.shared.settings import BusSettings
from tests.replicas.claimers import Runs, replica
from tests.replicas.rebalancing import settle


async def test_a_partition_the_hungry_replica_never_takes_is_taken_back(bus_settings: BusSettings) -> None:
    settings = bus_settings.model_copy(update={"partitions": 4, "partition_check_interval": 3600.0})
    runs = Runs()
    async with contextlib.AsyncExitStack() as stack:
        others = [await stack.enter_async_context(replica(settings, name, runs)) for name in ("first", "second")]
        await settle(others)
        joiner = await stack.enter_async_context(replica(settings, "joiner", runs))  # hungry, and never checks again
        before = {name for claims in others for name in claims.owned}
        for _ in range(2):  # the hunger seen at two checks: one of them gives a partition up
            for claims in others:
                await claims.check()
                await claims.drained()
        (fed,) = before - {name for claims in others for name in claims.owned}
        free_for = 0
        while all(fed not in claims.owned for claims in others):
            free_for += 1
            assert free_for <= PATIENT_CHECKS + 1, f"{fed} free for {free_for} checks of each replica"
            for claims in others:
                await claims.check()
        assert joiner.owned == {}
