"""A hungry replica is fed a busy partition the moment its last handler ends, not at a check that finds it idle.

Four partitions on two replicas (2 + 2), steady traffic in each, a third replica joins: at the rounded-up share of 2
each, the others leave it none, and one of them must feed it (the feed lock). With every partition busy, a replica
fed only from a partition a check found idle, or past GREENLIGHT_PARTITION_BUSY_HANDOVER_AFTER (60 s): under steady
traffic a partition is idle between messages, seldom at a check's instant, so the joiner waited the bound. Now, after
PATIENT_CHECKS checks of hunger (a replica with an idle partition feeds first), the replica checking first takes the
feed lock and gives up whichever of its partitions goes idle first, the moment it does: here within LATE with no check
in between (the test runs every check itself), and the joiner takes it at its next check; each app's messages still
run in order, one at a time across the replicas."""

from __future__ import annotations

import asyncio
import contextlib

from services.shared.bus import Bus
from services.shared.claims import PATIENT_CHECKS
from services.shared.settings import BusSettings
from tests.replicas.claimers import replica
from tests.replicas.rebalancing import a_round, apps_by_partition, settle
from tests.replicas.steady_traffic import MESSAGES, Steady

LATE = 1.0  # seconds after the partition went idle by which it must be given up


async def test_a_busy_partition_feeds_the_hungry_replica_the_moment_it_goes_idle(bus_settings: BusSettings) -> None:
    settings = bus_settings.model_copy(update={"partitions": 4, "partition_check_interval": 3600.0,
                                               "partition_busy_handover_after": 60.0})
    app_of = {name: apps[0] for name, apps in (await apps_by_partition(settings)).items()}
    runs = Steady()
    loop = asyncio.get_running_loop()
    publisher = Bus(settings, connection_name="gltest-traffic")
    await publisher.connect()
    held = {app: asyncio.Event() for app in app_of.values()}  # each app's first message, until set
    handed: float | None = None
    try:
        async with contextlib.AsyncExitStack() as stack:
            first = await stack.enter_async_context(replica(settings, "first", runs))
            second = await stack.enter_async_context(replica(settings, "second", runs))
            await settle([first, second])
            traffic = [asyncio.create_task(runs.traffic(publisher, app, held[app])) for app in app_of.values()]
            await runs.until(lambda: {f"{app}-0" for app in app_of.values()} <= {r for _, _, r in runs.began})
            joiner = await stack.enter_async_context(replica(settings, "joiner", runs))  # hungry: nothing free
            replicas = [first, second, joiner]
            # `first` checks first: after PATIENT_CHECKS of them seeing the hunger it may feed from a busy partition.
            for _ in range(PATIENT_CHECKS // 2 + 1):
                await a_round(replicas, drain=False)
            assert not first.releasing and not second.releasing, "a busy partition given up at a check"
            moving = sorted(first.owned)[0]
            consumer = first.owned[moving]
            held[app_of[moving]].set()  # its first message ends: the partition is idle
            await runs.until(lambda: f"{app_of[moving]}-0" in runs.ended)
            idle_at = runs.ended[f"{app_of[moving]}-0"]
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(LATE):
                    await consumer.draining.wait()  # its deliveries stopped
                    await first.drained()  # what it took done, its lock dropped
                handed = loop.time() - idle_at
            await a_round(replicas, drain=False)  # the joiner claims what is free
            for event in held.values():
                event.set()
            async with asyncio.timeout(60):
                await asyncio.gather(*traffic)
            owners = [sorted(claims.owned) for claims in replicas]
    finally:
        await publisher.close()
    print(f"\npartition fed {handed if handed is None else round(handed, 3)} s after it went idle")
    assert handed is not None, f"not given up within {LATE} s of going idle"
    assert owners[2] == [moving] and len(owners[0]) == 1 and len(owners[1]) == 2, owners
    for app in app_of.values():
        assert [r for _, a, r in runs.began if a == app] == [f"{app}-{n}" for n in range(MESSAGES)]
    assert [who for who, a, _ in runs.began if a == app_of[moving]][-1] == "joiner"
    assert runs.overlaps == []
