"""A standby that starts while the leader has found the release log replaced (a broker created anew, the stream
deleted and declared again) but has not stored the new stream's base yet waits for the new stream's events like any
others before it is ready.

Its readiness target was the new stream's end in the old base's numbering, far below the offsets the database
already held: it was ready at once, with none of the new stream folded, and its target was never computed again
(logend.py). Failed on the old code, both databases; the same without a replacement passed and passes.
"""

from __future__ import annotations

import asyncio

import pytest

from services.shared.bus import Bus
from services.shared.db.projector import Projector
from services.shared.db.standby import ReadModel
from services.shared.protocol import ReleaseState as S
from services.shared.topology import declare_log_stream
from tests.db.conftest import chain, leader_and_standby, projecting, publish_all
from tests.harness import HeldFold, delete_queues, wait_for_state


@pytest.mark.parametrize("replaced", [True, False], ids=["replaced", "same stream"])
async def test_standby_not_ready_before_the_new_events_are_folded(bus: Bus, any_database: str, replaced: bool) -> None:
    async with leader_and_standby(any_database) as (first, second):
        async with projecting(bus, first):
            for rid in ("r1", "r2", "r3"):
                await publish_all(bus, chain(rid, app=rid))
            await wait_for_state(first, "r3", S.AWAITING_APPROVAL)
        if replaced:
            await delete_queues(bus.settings, bus.settings.log_stream)
            await declare_log_stream(bus.connection, bus.settings)
        await publish_all(bus, chain("r4", app="r4"))
        held = HeldFold(first)  # the leader's first batch is slow (a large catch-up, a slow database)
        leader = ReadModel(Projector(bus, first), follow_interval=0.02)
        standby = ReadModel(Projector(bus, second), follow_interval=0.02)
        starting = asyncio.create_task(leader.start(timeout=30))
        try:
            await asyncio.wait_for(held.held.wait(), 10)  # leading (a replacement found), folding
            ready_without_r4 = False
            try:
                await standby.start(timeout=3)
                ready_without_r4 = await second.get("r4") is None
            except TimeoutError:
                pass  # right: not ready while the leader has not folded past the standby's marker
            held.release.set()
            await starting
            await wait_for_state(second, "r4", S.AWAITING_APPROVAL, timeout=10)
            assert not ready_without_r4, "the standby was ready while r4 was not in the database"
        finally:
            held.release.set()
            await asyncio.gather(starting, return_exceptions=True)
            await standby.stop()
            await leader.stop()
