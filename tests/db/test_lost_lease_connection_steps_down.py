"""A leader whose lease connection is lost (a database restart, a failover, a reset network: here its backend
terminated) no longer holds the lease: another process may take it. The leader steps down and competes for the lease
again on a new connection, so exactly one process projects afterwards. (It used to keep folding: two projectors for
good, one more with each database restart.)"""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy.ext.asyncio import AsyncConnection

from services.shared.bus import Bus
from services.shared.db import engine, lease
from services.shared.protocol import ReleaseState as S
from tests.db.conftest import chain, leader_and_standby, publish_all
from tests.db.leaders import Watched, backend_if_open, backend_of, holders, lease_of, running, terminate
from tests.harness import wait_for_state


@pytest.fixture(autouse=True)
def slow_close(monkeypatch: pytest.MonkeyPatch) -> None:
    """A lost lease connection that takes a while to close, as over a lossy network: the old leader's closed
    connection stays in place for that while, and the test's look must tell it from a live one (it once raised)."""
    async def discard(connection: AsyncConnection) -> None:
        await engine.discard(connection)
        await asyncio.sleep(0.3)  # the fault injected (a close that takes its time), not a wait for anything

    monkeypatch.setattr(lease, "discard", discard)


async def test_a_replica_whose_lease_connection_is_lost_steps_down(bus: Bus, postgres_url: str) -> None:
    watched = Watched()
    async with leader_and_standby(postgres_url) as (first_db, second_db):
        # Two API replicas: a leader that is not preferred (the switcher) also steps down when its probe for an API
        # meets the other leader's probe, by chance.
        first, second = watched.model(bus, first_db, preferred=True), watched.model(bus, second_db, preferred=True)
        stream = bus.settings.log_stream
        async with running(first, second):
            assert first.leading and not second.leading
            await publish_all(bus, chain("r1"))
            await wait_for_state(second_db, "r1", S.AWAITING_APPROVAL)
            await terminate(second_db.engine, await backend_of(lease_of(first)._connection))

            async def one_leader_holding_the_lock() -> bool:
                leaders = [model for model in (first, second) if model.leading]
                if len(leaders) != 1:
                    return False
                if (connection := lease_of(leaders[0])._connection) is None:
                    return False  # its lease lost and its step-down under way: it tells `stop` when done
                held_by = await holders(second_db.engine, stream, "projector", "ExclusiveLock")
                # The leader may be the old one, its terminated connection not yet noticed: it can close during the
                # look (its stop then wakes the next look).
                return held_by == {await backend_if_open(connection)}

            try:
                await watched.until(one_leader_holding_the_lock)
            except TimeoutError:
                raise AssertionError(f"leading: first {first.leading}, second {second.leading}") from None
            await publish_all(bus, chain("r2", app="other"))
            await wait_for_state(first_db, "r2", S.AWAITING_APPROVAL)
            assert [first.leading, second.leading].count(True) == 1
        folded = [model.projector.folded for model in (first, second)]
        assert sum(f.new for f in folded) == 14 and sum(f.duplicates for f in folded) == 0, folded
