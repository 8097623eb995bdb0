"""On PostgreSQL a standby hears of each fold at once (LISTEN/NOTIFY), not at its next look: with a follow
interval of 30 s, a reader on the standby's database still sees a new release within seconds. SQLite has no such
channel across processes (the standby looks every follow interval), so this is PostgreSQL's alone."""

from __future__ import annotations

import asyncio

from services.shared.bus import Bus
from services.shared.db.projector import Projector
from services.shared.db.releases import ReleaseDatabase
from services.shared.db.standby import ReadModel
from services.shared.protocol import ReleaseState as S
from tests.db.conftest import chain, leader_and_standby, projecting, publish_all

SLOW_LOOK = 30.0


async def test_a_standby_on_postgresql_is_woken_by_each_fold(bus: Bus, postgres_url: str) -> None:
    async with leader_and_standby(postgres_url) as (leader, standby), projecting(bus, leader):
        model = ReadModel(Projector(bus, standby), follow_interval=SLOW_LOOK, lease_interval=60.0)
        await asyncio.wait_for(model.start(timeout=20), 15)  # its marker: folded and heard well before 30 s
        try:
            assert not model.leading
            for release_id in ("r1", "r2"):  # the second proves the channel stays open after a wake-up
                version = standby.version
                await publish_all(bus, chain(release_id, app=release_id))
                await asyncio.wait_for(_until_folded(standby, version, release_id), 10)
        finally:
            await model.stop()


async def _until_folded(database: ReleaseDatabase, version: int, release_id: str) -> None:
    """Until `database`'s readers are woken with the release at awaiting_approval (woken, not polled: each wait
    here is as long as the standby's own look)."""
    while True:
        await database.changed(version, SLOW_LOOK)
        version = database.version
        release = await database.get(release_id)
        if release is not None and release.state is S.AWAITING_APPROVAL:
            return
