"""A partition given up for balance lets the messages it took finish, past the grace period, before it is released.

A replica above its share gave the partition up through `Consumer.release(grace_period)`: a handler still running
after the grace period (a build takes up to 25 minutes) was cancelled, and the next owner began it again from
scratch. The hand-over went on inside the check, which waited for it meanwhile. Now the partition's deliveries stop,
its lock stays held while what it took runs to the end (however long: each handler has its own timeout), the check
goes on, and the next owner claims the partition only after the ack: each message is handled once, by one replica."""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter

from services.shared.bus import Bus
from services.shared.claims import PartitionClaims
from services.shared.consumer import Subscription
from services.shared.events import ReleaseEvent
from services.shared.protocol import ReleaseState as S
from services.shared.settings import BusSettings
from tests.replicas import claimers
from tests.replicas.claimers import SERVICE, request_each

GRACE = 0.5
APPS = [f"app{n}" for n in range(16)]  # enough to reach both partitions (each hashed by the test's own ring)


class Builds(claimers.Runs):
    """Each run counted when it begins, and each cut short; a run waits for `go`."""

    def __init__(self) -> None:
        super().__init__()
        self.began: Counter[str] = Counter()
        self.cancelled = asyncio.Event()

    def subscription(self, replica: str) -> Subscription:
        async def handle(event: ReleaseEvent, bus: Bus) -> None:
            async with self.changed:
                self.began[event.app] += 1
                self.changed.notify_all()
            try:
                await self.go.wait()
            except asyncio.CancelledError:
                self.cancelled.set()
                raise

        return Subscription(SERVICE, [S.REQUESTED], handle, skip_ended=False)


def every_partition_busy(claims: PartitionClaims) -> bool:
    return len(claims.owned) == 2 and all(consumer.in_flight for consumer in claims.owned.values())


async def test_a_partition_given_up_for_balance_finishes_what_it_took(bus_settings: BusSettings) -> None:
    # No check of their own (a long interval): the test runs each replica's checks.
    # Busy partitions given up at once (no GREENLIGHT_PARTITION_BUSY_HANDOVER_AFTER): what this test watches.
    settings = bus_settings.model_copy(update={"partitions": 2, "partition_check_interval": 3600.0,
                                               "grace_period": GRACE, "partition_busy_handover_after": 0.0})
    builds = Builds()
    async with contextlib.AsyncExitStack() as stack:
        first = await stack.enter_async_context(claimers.replica(settings, "a", builds))
        await request_each(settings, APPS)
        await builds.until(lambda: len(builds.began) == len(APPS))
        assert every_partition_busy(first)
        joiner = await stack.enter_async_context(claimers.replica(settings, "b", builds))

        await asyncio.wait_for(first.check(), 5 * GRACE)  # above its share of 1: gives one up, not waiting for it
        assert len(first.owned) == 1
        (given_up,) = set(first.partitions) - set(first.owned)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(builds.cancelled.wait(), 4 * GRACE)
        assert not builds.cancelled.is_set(), "a build of the partition given up was cut short at the grace period"
        await joiner.check()
        assert given_up not in joiner.owned, "claimed while the builds it had taken still ran"

        builds.go.set()  # the builds end and are acked; then the partition is released
        await asyncio.wait_for(first.drained(), 10)
        await joiner.check()
        assert set(joiner.owned) == {given_up}
    assert all(count == 1 for count in builds.began.values()), builds.began
