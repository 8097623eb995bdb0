"""A replica that stands by (another one folds the log) sees the leader's folds a follow later. A step's deadline
timer it handles while the step's outcome is logged but not folded by the leader yet leaves the release alone.

The timer is handed to the standby's watcher directly, so it is the one that decides; the leader's batch holding
`built` is held until the watcher has decided, or has started waiting for the read model to move."""

from __future__ import annotations

import asyncio

from services.approval.deadlines import DeadlineWatch
from services.approval.settings import ApprovalSettings
from services.shared.db.runtime import DATABASE, READ_MODEL
from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS
from tests.approval.conftest import api_client, reach, request_release
from tests.approval.failures import failures_heard
from tests.harness import HeldFold, waiting_signal


async def test_a_timer_on_a_standby_waits_for_the_leaders_fold(any_database: str, settings: ApprovalSettings) -> None:
    async with api_client(settings) as leader, api_client(settings) as standby:
        assert leader.app[READ_MODEL].leading and not standby.app[READ_MODEL].leading
        async with failures_heard(settings.bus) as (_, failures):
            release = await request_release(leader)
            await reach(standby, release["id"], S.REQUESTED)
            requested = await standby.app[DATABASE].latest(release["id"])
            assert requested is not None
            held, waiting = HeldFold(leader.app[DATABASE]), waiting_signal(standby.app[DATABASE])
            building = requested.next(S.BUILDING, actor="builder")
            await leader.app[BUS].publish(building)
            await leader.app[BUS].publish(building.next(S.BUILT, actor="builder"))
            await asyncio.wait_for(held.held.wait(), 10)
            # The build's timer, past its deadline: `built` is logged, neither replica has folded it.
            watch = DeadlineWatch(standby.app[DATABASE], settings.deadlines)
            decided = asyncio.ensure_future(watch(requested, standby.app[BUS]))
            waited = asyncio.ensure_future(waiting.wait())
            try:
                await asyncio.wait([decided, waited], timeout=15, return_when=asyncio.FIRST_COMPLETED)
            finally:
                waited.cancel()
            held.release.set()
            await asyncio.wait_for(decided, 15)
            failed = await failures.get(no_ack=True, fail=False)
            latest = await standby.app[DATABASE].latest(release["id"])
    assert failed is None, f"a release that finished its build in time was failed: {failed.body!r}"
    assert latest is not None and latest.state is S.BUILT
