"""A replica joining a busy service does not stall the other apps of a partition whose handler still runs.

A build running in every partition, a replica joins below its floor: 2 partitions on 2 replicas (the first above its
share of 1), or 4 on 3 (2 + 2 + 0: one at the top feeds the joiner). A partition was given up busy, at once or after
PATIENT_CHECKS checks of hunger: its deliveries stopped and its lock stayed held until the build ended, so a message of
another app of that partition, published meanwhile, was consumed by nobody and waited the whole build (a 25-minute
build: 25 minutes; here the HOLD seconds the test holds the builds: 6.1 s and 6.2 s of 6.1 s and 6.2 s). Now a busy
partition stays with its owner, which handles its other apps beside the build (0.15 s), and is given up at the first
check that finds it idle, or once the imbalance has lasted GREENLIGHT_PARTITION_BUSY_HANDOVER_AFTER
(test_a_busy_partition_is_handed_over_after_a_bound). The test runs each replica's checks itself."""

from __future__ import annotations

import asyncio
import contextlib

import pytest

from services.shared.bus import Bus
from services.shared.claims import PATIENT_CHECKS, PartitionClaims
from services.shared.consumer import Subscription
from services.shared.events import ReleaseEvent
from services.shared.protocol import ReleaseState as S
from services.shared.settings import BusSettings
from tests.replicas import claimers
from tests.replicas.claimers import SERVICE, replica, request_each
from tests.replicas.rebalancing import a_round, apps_by_partition, settle

SHAPES = [(2, 2), (4, 3)]  # partitions, replicas: the joiner finds the others above their share, or at it (2 + 2 + 0)
HOLD = 6.0  # seconds the builds are held, unless every later app was handled first


class Builds(claimers.Runs):
    """Each app's first run noted with the loop's time when it begins; the `long` apps' runs wait for `go`."""

    def __init__(self, long: list[str]) -> None:
        super().__init__()
        self.long = long
        self.began: dict[str, float] = {}

    def subscription(self, replica: str) -> Subscription:
        async def handle(event: ReleaseEvent, bus: Bus) -> None:
            async with self.changed:
                self.overlaps += [f"{event.app} began in {replica} while {other} ran it"
                                  for other, apps in self.running.items() if other != replica and event.app in apps]
                self.running.setdefault(replica, set()).add(event.app)
                self.began.setdefault(event.app, asyncio.get_running_loop().time())
                self.changed.notify_all()
            try:
                if event.app in self.long:
                    await self.go.wait()
            finally:
                self.running[replica].discard(event.app)

        return Subscription(SERVICE, [S.REQUESTED], handle, skip_ended=False)


@pytest.mark.parametrize(("partitions", "replicas"), SHAPES)
async def test_the_other_apps_of_a_busy_partition_do_not_wait_for_its_build(
        bus_settings: BusSettings, partitions: int, replicas: int) -> None:
    settings = bus_settings.model_copy(update={"partitions": partitions, "partition_check_interval": 3600.0})
    apps = await apps_by_partition(settings)
    names = sorted(apps)
    long = [apps[name][0] for name in names]  # a build in each partition
    later = [apps[name][1] for name in names]  # another app of each, requested once the joiner is there
    builds = Builds(long)
    loop = asyncio.get_running_loop()
    async with contextlib.AsyncExitStack() as stack:
        held: list[PartitionClaims] = []
        for n in range(replicas - 1):
            held.append(await stack.enter_async_context(replica(settings, f"r{n}", builds)))
            await settle(held)
        await request_each(settings, long)
        await builds.until(lambda: set(long) <= set().union(*builds.running.values()))
        held.append(await stack.enter_async_context(replica(settings, "joiner", builds)))  # hungry: nothing free
        for _ in range(PATIENT_CHECKS):  # as long as a replica whose partitions are all busy waited before it fed
            await a_round(held, drain=False)
        given_up = sorted(name for claims in held for name in claims.releasing)
        published = loop.time()
        await request_each(settings, later)
        await a_round(held, drain=False)  # the joiner claims what is free
        with contextlib.suppress(TimeoutError):
            await builds.until(lambda: set(later) <= builds.began.keys(), HOLD)
        held_for = loop.time() - published
        builds.go.set()
        await settle(held)  # the builds ended: the partitions are idle, and the joiner gets its share
        await builds.until(lambda: set(later) <= builds.began.keys())
    waited = {app: round(builds.began[app] - published, 3) for app in later}
    print(f"\nbuilds held {held_for:.3f} s after the join; given up busy: {given_up}; later apps waited {waited}")
    assert max(waited.values()) < HOLD / 3, \
        f"another app of a partition waited for its build ({held_for:.1f} s): {waited}, given up busy: {given_up}"
    assert builds.overlaps == []
