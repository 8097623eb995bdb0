"""Who waits for one release (the API's approval gate) is woken by that release's own events reaching this process's
projector, not by every fold of every other release: with hundreds of decisions waiting, each batch made each of
them read the database again. A process that does not project has only the leader's folds to go by."""

from __future__ import annotations

import asyncio

from services.shared.bus import Bus
from services.shared.db.releases import ReleaseDatabase
from services.shared.protocol import ReleaseState as S
from tests.db.conftest import chain, leader_and_standby, projecting, publish_all
from tests.harness import wait_for_state


async def test_a_release_waiter_sleeps_through_other_releases_folds(bus: Bus, database: ReleaseDatabase) -> None:
    async with projecting(bus, database) as projector:
        with database.watching("r1") as delivered:
            waiting = asyncio.create_task(database.moved(delivered, database.version, 60))
            before = projector.batches
            for i in range(3):  # one release after the other: several batches, each moving the read model
                await publish_all(bus, chain(f"other{i}", app=f"other{i}"))
                await wait_for_state(database, f"other{i}", S.AWAITING_APPROVAL)
            assert projector.batches - before >= 3
            assert not waiting.done(), "woken by folds of other releases"

            await bus.publish(chain("r1")[0])
            await asyncio.wait_for(waiting, 10)  # its own event: at once, not after the 60 s
        assert "r1" not in database._watchers  # nothing left behind once the caller let go


async def test_a_standby_waiter_is_woken_by_the_leaders_fold(bus: Bus, any_database: str) -> None:
    async with leader_and_standby(any_database) as (leader, standby), projecting(bus, leader):
        async with projecting(bus, standby, lease_interval=60.0) as follower:
            assert not follower.leading
            with standby.watching("r1") as delivered:
                waiting = asyncio.create_task(standby.moved(delivered, standby.version, 60))
                await publish_all(bus, chain("other", app="other"))  # not r1: the standby cannot tell them apart
                await asyncio.wait_for(waiting, 10)
