"""A hungry replica is fed a partition with nothing running, from whichever replica at the top has one.

A partition given up for balance is handed over only once the messages it took are acked, and its other apps wait
until then (per-app order needs its lock held). Each replica gave up its own idlest partition, but the first replica
at the top to see the hunger gave one up even if all of its partitions had builds running, while another had an idle
one: 4 partitions on 3 replicas, the first's two busy, the second's one busy and one idle; the first gave a busy one
up, and the hungry replica and that partition's other apps waited for its build (up to 25 minutes). Now a replica whose
idlest partition is busy waits PATIENT_CHECKS checks of hunger before it feeds, so one with an idle partition goes
first; the checks run in a fixed order, the first replica first."""

from __future__ import annotations

import contextlib

from services.shared.claims import PATIENT_CHECKS
from services.shared.settings import BusSettings
from tests.replicas.claimers import Runs, replica, request_each
from tests.replicas.rebalancing import a_round, apps_by_partition, settle


async def test_the_replica_with_an_idle_partition_feeds_the_hungry_one(bus_settings: BusSettings) -> None:
    settings = bus_settings.model_copy(update={"partitions": 4, "partition_check_interval": 3600.0})
    apps = await apps_by_partition(settings)
    runs = Runs()
    async with contextlib.AsyncExitStack() as stack:
        first = await stack.enter_async_context(replica(settings, "first", runs))
        second = await stack.enter_async_context(replica(settings, "second", runs))
        await settle([first, second])
        idle, *busy = sorted(second.owned)
        busy += list(first.owned)
        await request_each(settings, [apps[name][0] for name in busy])  # a build in each of those partitions
        await runs.until(lambda: sum(map(len, runs.running.values())) == len(busy))
        joiner = await stack.enter_async_context(replica(settings, "joiner", runs))
        held = [first, second, joiner]
        for _ in range(PATIENT_CHECKS):
            await a_round(held, drain=False)
            waiting = [name for claims in held for name, consumer in claims.releasing.items() if consumer.in_flight]
            if waiting:
                break
            for claims in held:  # what was given up had nothing running: released at once
                await claims.drained()
        owned = sorted(joiner.owned)
        runs.go.set()
    assert waiting == [], f"given up with a build running, while {idle} had none: {waiting}"
    assert owned == [idle]
