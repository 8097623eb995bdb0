"""The API projects whenever it runs (its gate and SSE streams hear of each event as it arrives): a process that is not
preferred (the switcher) hands the lease over when an API starts, takes it back when none runs, and overrides an API
that holds its candidacy but does not lead. Nothing is lost or folded twice across a handover."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from services.shared.bus import Bus
from services.shared.db.lease import ProjectorLease
from services.shared.db.projector import Projector
from services.shared.db.releases import ReleaseDatabase
from services.shared.db.standby import ReadModel
from services.shared.db.standby_follow import DEFER_LIMIT
from services.shared.protocol import ReleaseState as S
from tests.db.conftest import chain, leader_and_standby, publish_all
from tests.harness import wait_for_state

LEASE = 0.05


class Model:
    """A process's read model; `led` counts the times it started to lead and wakes whoever waits for the next."""

    def __init__(self, bus: Bus, database: ReleaseDatabase, *, preferred: bool) -> None:
        self.model = ReadModel(Projector(bus, database), follow_interval=0.02, lease_interval=LEASE,
                               preferred=preferred)
        self.led, self._next = 0, asyncio.Event()
        lead, turn = self.model.projector.lead, self.model._turn_to_lead
        self.deferred = 0  # the times a standby left the lease to a preferred process
        self.first_deferred_at, self.led_at = 0.0, 0.0

        async def counted_lead(timeout: float | None = 60.0) -> None:
            await lead(timeout)
            self.led += 1
            self.led_at = asyncio.get_running_loop().time()
            self._next.set()

        async def counted_turn(offset: int, now: float) -> float | None:
            hold = await turn(offset, now)
            if hold is None and not self.deferred:
                self.first_deferred_at = now
            self.deferred += hold is None
            self._next.set()
            return hold

        self.model.projector.lead = counted_lead  # type: ignore[method-assign]
        self.model._turn_to_lead = counted_turn  # type: ignore[method-assign]

    async def until(self, done: object, timeout: float = 15.0) -> None:
        """Until `done()` holds, looked at each time this model leads or weighs taking the lease."""
        async with asyncio.timeout(timeout):
            while not done():  # type: ignore[operator]
                self._next.clear()
                await self._next.wait()


@contextlib.asynccontextmanager
async def running(model: Model) -> AsyncIterator[Model]:
    await model.model.start(timeout=30)
    try:
        yield model
    finally:
        await model.model.stop()


async def test_the_switcher_hands_the_projection_to_an_api_that_starts(bus: Bus, any_database: str) -> None:
    async with leader_and_standby(any_database) as (first, second):
        async with running(Model(bus, first, preferred=False)) as switcher:
            assert switcher.model.leading
            await publish_all(bus, chain("r1"))
            await wait_for_state(first, "r1", S.AWAITING_APPROVAL)
            async with running(Model(bus, second, preferred=True)) as api:
                await api.until(lambda: api.led == 1)
                await publish_all(bus, chain("r2", app="other"))
                await wait_for_state(second, "r2", S.AWAITING_APPROVAL)
                await switcher.until(lambda: switcher.deferred >= 3)  # standing by, it leaves the lease alone
                assert api.model.leading and not switcher.model.leading
            folded = [m.model.projector.folded for m in (switcher, api)]
            assert sum(f.new for f in folded) == 14 and sum(f.duplicates for f in folded) == 0


async def test_the_switcher_projects_again_once_no_api_runs(bus: Bus, any_database: str) -> None:
    async with leader_and_standby(any_database) as (first, second):
        async with running(Model(bus, second, preferred=True)) as api:
            async with running(Model(bus, first, preferred=False)) as switcher:
                assert api.model.leading and not switcher.model.leading
                await api.model.stop()  # its lease and its candidacy go with it
                await switcher.until(lambda: switcher.led == 1)
                await publish_all(bus, chain("r1"))
                await wait_for_state(first, "r1", S.AWAITING_APPROVAL)


async def test_an_api_that_stands_but_never_leads_is_overridden(bus: Bus, database: ReleaseDatabase) -> None:
    stuck = ProjectorLease(database.engine, bus.settings.log_stream)
    assert await stuck.stand()  # a preferred process that holds its candidacy and never takes the lease
    try:
        async with running(Model(bus, database, preferred=False)) as switcher:
            # It led at start, handed over, left the lease to the stuck one for DEFER_LIMIT intervals, then led again.
            await switcher.until(lambda: switcher.led == 2)
            assert switcher.deferred >= 2
            assert switcher.led_at - switcher.first_deferred_at >= DEFER_LIMIT * LEASE
            await publish_all(bus, chain("r1"))
            await wait_for_state(database, "r1", S.AWAITING_APPROVAL)
            assert switcher.model.leading  # held, though the stuck candidacy is still there
    finally:
        await stuck.withdraw()
