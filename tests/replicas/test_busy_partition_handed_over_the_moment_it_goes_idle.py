"""A busy partition a replica above its share keeps goes to the joiner the moment its last handler ends.

Two partitions, one replica holding both, steady traffic in each (one app per partition; each message handled for
WORK seconds, its gate opened by the test, the next one published as soon as it ends); a replica joins. A busy
partition stays with its owner (test_a_joiner_does_not_stall_the_apps_of_a_busy_partition), and was given up only at
a check that found it idle, or past GREENLIGHT_PARTITION_BUSY_HANDOVER_AFTER (60 s): under steady traffic a partition
is idle between messages, seldom at a check's instant, so with checks 5 s apart it stayed with its owner past LATE
after it first went idle (here: until the next check, 5 s on). Now it is given up the moment its last handler ends
(Consumer.when_idle), in well under LATE, the other partition stays, and each app's messages still run in order, one
at a time across both replicas."""

from __future__ import annotations

import asyncio
import contextlib

from services.shared.bus import Bus
from services.shared.settings import BusSettings
from tests.replicas.claimers import replica
from tests.replicas.rebalancing import apps_by_partition
from tests.replicas.steady_traffic import MESSAGES, Steady

INTERVAL = 5.0  # seconds between each replica's checks: a hand-over waiting for one shows
LATE = 1.0  # seconds after the partition first went idle by which it must be given up


async def test_a_busy_partition_goes_the_moment_its_last_handler_ends(bus_settings: BusSettings) -> None:
    settings = bus_settings.model_copy(update={"partitions": 2, "partition_check_interval": INTERVAL,
                                               "partition_busy_handover_after": 60.0})
    (moving, [app, *_]), (staying, [other, *_]) = sorted((await apps_by_partition(settings)).items())
    runs = Steady()
    loop = asyncio.get_running_loop()
    publisher = Bus(settings, connection_name="gltest-traffic")
    await publisher.connect()
    handed: float | None = None
    try:
        async with contextlib.AsyncExitStack() as stack:
            first = await stack.enter_async_context(replica(settings, "first", runs))
            assert sorted(first.owned) == [moving, staying]
            checked, went_idle = asyncio.Event(), asyncio.Event()
            traffic = [asyncio.create_task(runs.traffic(publisher, app, checked)),
                       asyncio.create_task(runs.traffic(publisher, other, went_idle))]
            await runs.until(lambda: {f"{app}-0", f"{other}-0"} <= {r for _, _, r in runs.began})
            joiner = await stack.enter_async_context(replica(settings, "joiner", runs))
            async with asyncio.timeout(3 * INTERVAL):
                await first.checked_until(lambda: first._replicas == 2)
            assert not first.releasing and len(first.owned) == 2, "a busy partition given up at a check"
            consumer = first.owned[moving]
            checked.set()  # the first message of `app` ends: its partition is idle
            await runs.until(lambda: f"{app}-0" in runs.ended)
            idle_at = runs.ended[f"{app}-0"]
            went_idle.set()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(LATE):
                    await consumer.draining.wait()  # its deliveries stopped
                    await first.drained()  # what it took done, its lock dropped
                handed = loop.time() - idle_at
            async with asyncio.timeout(60):
                await asyncio.gather(*traffic)
            owners = (sorted(first.owned), sorted(joiner.owned))
    finally:
        await publisher.close()
    print(f"\npartition given up {handed if handed is None else round(handed, 3)} s after it went idle")
    assert handed is not None, f"not given up within {LATE} s of going idle (checks every {INTERVAL} s)"
    assert owners == ([staying], [moving])
    for each in (app, other):
        assert [r for _, a, r in runs.began if a == each] == [f"{each}-{n}" for n in range(MESSAGES)]
    assert [who for who, a, _ in runs.began if a == app][-1] == "joiner"
    assert runs.overlaps == []
