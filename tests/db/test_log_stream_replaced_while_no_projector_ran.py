"""The release log's stream replaced while no process projected it (deleted and declared again by a worker that
started, a broker created anew): the next projector to start finds the stream ending before the offset it folded
through (offsets never go back), folds the new stream from its start after every release the database holds, and
is ready; a standby starting beside it is ready too.

Before the fix the projector asked for the offset after the stored one, which RabbitMQ 3.10 holds back until the new
stream reaches it: its catch-up marker never came back, so the start timed out, and the new releases were not
projected."""

from __future__ import annotations

import sqlalchemy as sa

from services.shared.bus import Bus
from services.shared.db.projector import Projector
from services.shared.db.releases import ReleaseDatabase
from services.shared.db.schema import events
from services.shared.db.standby import ReadModel
from services.shared.protocol import ReleaseState as S
from services.shared.topology import declare_log_stream
from tests.db.conftest import chain, leader_and_standby, projecting, publish_all, until_folded
from tests.harness import delete_queues, wait_for_state


async def _offsets(database: ReleaseDatabase, release_id: str) -> list[int]:
    async with database.engine.connect() as connection:
        rows = await connection.execute(sa.select(events.c.log_offset).where(events.c.release_id == release_id))
        return sorted(int(row[0]) for row in rows)


async def test_a_projector_started_after_the_stream_was_replaced_folds_the_new_one(bus: Bus,
                                                                                   any_database: str) -> None:
    async with leader_and_standby(any_database) as (first, second):
        async with projecting(bus, first):
            for rid in ("r1", "r2", "r3"):  # a log longer than what the new stream will hold
                await publish_all(bus, chain(rid, app=rid))
            await wait_for_state(first, "r3", S.AWAITING_APPROVAL)
        await delete_queues(bus.settings, bus.settings.log_stream)
        await declare_log_stream(bus.connection, bus.settings)  # a service starting declares it anew
        await publish_all(bus, chain("r4", app="r4"))
        leader = ReadModel(Projector(bus, first), follow_interval=0.02)
        standby = ReadModel(Projector(bus, second), follow_interval=0.02)
        try:
            await leader.start(timeout=10)
            await standby.start(timeout=10)
            assert leader.leading and not standby.leading
            await wait_for_state(first, "r4", S.AWAITING_APPROVAL, timeout=5)
            await publish_all(bus, chain("r5", app="r5"))
            await wait_for_state(second, "r5", S.AWAITING_APPROVAL, timeout=10)
            await until_folded(leader.projector, 14)
            assert leader.projector.folded.new == 14 and leader.projector.folded.duplicates == 0
        finally:
            await standby.stop()
            await leader.stop()
        for rid in ("r1", "r2", "r3"):
            await wait_for_state(second, rid, S.AWAITING_APPROVAL, timeout=1)
        old, new = await _offsets(first, "r3"), await _offsets(first, "r4") + await _offsets(first, "r5")
        assert len(new) == 14 and min(new) > max(old), (old, new)
