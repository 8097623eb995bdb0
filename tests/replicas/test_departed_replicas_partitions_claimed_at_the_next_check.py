"""A replica that leaves (stopped, or killed: the broker drops its locks and its membership together) frees its
partitions at once, and the others claim them at their next check, as the README promises: with 4 partitions on 4
replicas each at its floor share of 1, the one freed partition was claimed only at a replica's every 4th check (the
patience of a replica at its floor), up to four intervals of nobody consuming it."""

from __future__ import annotations

import contextlib

from services.shared.claims import PATIENT_CHECKS, PartitionClaims
from services.shared.settings import BusSettings
from tests.replicas.claimers import Runs, replica


async def checks(*replicas: PartitionClaims) -> None:
    for claims in replicas:
        await claims.check()


async def test_a_departed_replicas_partition_is_claimed_at_the_next_check(bus_settings: BusSettings) -> None:
    # No check of their own (a long interval): the test runs each replica's checks, one at a time.
    settings = bus_settings.model_copy(update={"partitions": 4, "partition_check_interval": 3600.0})
    runs = Runs()
    async with contextlib.AsyncExitStack() as stack:
        survivors: list[PartitionClaims] = []
        for name in "abc":
            survivors.append(await stack.enter_async_context(replica(settings, name, runs)))
            for _ in range(3):
                await checks(*survivors)
        async with replica(settings, "d", runs) as leaving:
            everyone = [*survivors, leaving]
            for _ in range(3):
                await checks(*everyone)
            assert [len(claims.owned) for claims in everyone] == [1, 1, 1, 1]
            for claims in survivors:  # so that no survivor's next check is a patient one's every 4th
                while (claims._checks + 1) % PATIENT_CHECKS == 0:
                    await claims.check()
            freed = set(leaving.owned)
        await checks(*survivors)  # the first check of each after the departure
        assert freed <= {name for claims in survivors for name in claims.owned}
        assert sorted(len(claims.owned) for claims in survivors) == [1, 1, 2]
