"""A replica whose partitions stay busy still gives the joiner its share: once the imbalance has lasted the bound.

A busy partition stays with its owner while it is busy (test_a_joiner_does_not_stall_the_apps_of_a_busy_partition), but
a replica busy all the time must not keep a joiner without work for good: after GREENLIGHT_PARTITION_BUSY_HANDOVER_AFTER
it gives the partition up anyway, busy, and the build in flight finishes before the joiner takes it (one replica at a
time per partition). Before the bound existed the busy partition went at the first check after the join (0.2 s here);
the test fails if it goes before the bound, or not within a few checks after it. On the replicas' own timers."""

from __future__ import annotations

import asyncio
import contextlib

from services.shared.settings import BusSettings
from tests.replicas.claimers import Runs, replica, request_each
from tests.replicas.rebalancing import apps_by_partition, until

BOUND = 1.5  # seconds: GREENLIGHT_PARTITION_BUSY_HANDOVER_AFTER here
INTERVAL = 0.2  # seconds between each replica's checks
LATE = 20 * INTERVAL  # how long after the bound the hand-over may come on a loaded machine


async def test_a_busy_partition_goes_to_the_joiner_after_the_bound(bus_settings: BusSettings) -> None:
    settings = bus_settings.model_copy(update={"partitions": 2, "partition_check_interval": INTERVAL,
                                               "partition_busy_handover_after": BOUND})
    apps = await apps_by_partition(settings)
    builds = [apps[name][0] for name in sorted(apps)]  # a build in each partition, held until `go`
    runs = Runs()
    loop = asyncio.get_running_loop()
    async with contextlib.AsyncExitStack() as stack:
        first = await stack.enter_async_context(replica(settings, "first", runs))
        await request_each(settings, builds)
        await runs.until(lambda: runs.running.get("first", set()) == set(builds))
        joined = loop.time()
        joiner = await stack.enter_async_context(replica(settings, "joiner", runs))
        await until([first, joiner], lambda: bool(first.releasing))
        given_up_after = loop.time() - joined
        assert not joiner.owned, "claimed while the build it had taken still ran"
        runs.go.set()
        await until([first, joiner], lambda: len(first.owned) == len(joiner.owned) == 1)
    print(f"\nbusy partition given up {given_up_after:.3f} s after the join (bound {BOUND} s)")
    assert BOUND <= given_up_after <= BOUND + LATE, f"given up {given_up_after:.2f} s after the join, bound {BOUND} s"
    assert runs.overlaps == []
