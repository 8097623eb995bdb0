"""The process holding the projector's lease goes away: another takes over and nothing is lost or folded twice."""

from __future__ import annotations

import asyncio
import time

from services.shared.bus import Bus
from services.shared.db.lease import ProjectorLease
from services.shared.db.projector import Projector
from services.shared.db.releases import ReleaseDatabase
from services.shared.db.standby import ReadModel
from services.shared.protocol import ReleaseState as S
from tests.db.conftest import chain, projecting, publish_all
from tests.harness import wait_for_state


async def test_a_standby_takes_the_lease_over_and_resumes(bus: Bus, database: ReleaseDatabase) -> None:
    async with projecting(bus, database, lease_interval=0.2) as first:
        async with projecting(bus, database, lease_interval=0.2) as second:
            assert first.leading and not second.leading
            await publish_all(bus, chain("r1"))
            await wait_for_state(database, "r1", S.AWAITING_APPROVAL, timeout=15)
            await first.stop()  # the leader leaves (a SIGKILL drops the lease the same way: it is the OS's)
            gone = time.monotonic()
            await publish_all(bus, chain("r2", app="other"))
            await wait_for_state(database, "r2", S.AWAITING_APPROVAL, timeout=15)
            assert second.leading
            assert time.monotonic() - gone < 5
    assert first.folded.new == 7 and second.folded.new == 7
    assert first.folded.duplicates == second.folded.duplicates == 0


async def test_a_standby_is_ready_only_once_the_log_is_folded(bus: Bus, database: ReleaseDatabase) -> None:
    # A holder of the lease that folds nothing (a stuck leader): the standby must not call itself ready...
    stuck = ProjectorLease(database.engine, bus.settings.log_stream)
    assert await stuck.try_acquire()
    await asyncio.gather(*(publish_all(bus, chain(f"r{i}", app=f"app{i}")) for i in range(10)))
    model = ReadModel(Projector(bus, database), follow_interval=0.02, lease_interval=0.1)
    starting = asyncio.create_task(model.start(timeout=30))
    try:
        done, _ = await asyncio.wait({starting}, timeout=1.0)
        assert not done, "ready although nothing was folded"
        await stuck.release()  # ...and once the holder is gone, it takes over and catches up before it is ready
        await asyncio.wait_for(starting, 30)
        assert model.leading
        for i in range(10):
            release = await database.get(f"r{i}")
            assert release is not None and release.state is S.AWAITING_APPROVAL
    finally:
        starting.cancel()
        await asyncio.gather(starting, return_exceptions=True)
        await model.stop()
        await stuck.release()
