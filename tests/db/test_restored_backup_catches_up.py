"""A database restored from a backup is at the log offset the backup was taken at: the projector reads on from there
and folds what the log still holds, each event once. So nothing is lost while the log's bound reaches back further
than the last backup (README: *Backups*)."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from services.shared.bus import Bus
from services.shared.db.migrate import migrate
from services.shared.db.releases import ReleaseDatabase
from services.shared.db.schema import events, projection
from services.shared.protocol import ReleaseState as S
from tests.db.backups import back_up, opened, restore
from tests.db.conftest import chain, projecting, publish_all
from tests.harness import wait_for_state


async def _offset_and_events(database: ReleaseDatabase) -> tuple[int, int]:
    async with database.engine.connect() as connection:
        offset = (await connection.execute(sa.select(projection.c.log_offset))).scalar_one()
        count = (await connection.execute(sa.select(sa.func.count()).select_from(events))).scalar_one()
    return int(offset), int(count)


async def test_a_restored_backup_catches_up_from_the_log(bus: Bus, any_database: str, tmp_path: Path) -> None:
    backup = tmp_path / "greenlight.backup"
    async with opened(any_database) as database:
        await migrate(database.engine)
        for i in range(3):
            await publish_all(bus, chain(f"r{i}", app=f"app{i}"))
        async with projecting(bus, database):  # caught up with the log once it is entered
            at_backup = await _offset_and_events(database)
            await back_up(any_database, backup)  # online: the projector keeps its connections open
            assert await _offset_and_events(database) == at_backup  # nothing folded during the backup
            for i in range(3, 6):
                await publish_all(bus, chain(f"r{i}", app=f"app{i}"))
            await wait_for_state(database, "r5", S.AWAITING_APPROVAL)
            latest = await _offset_and_events(database)
    assert at_backup[1] == 21 and latest[1] == 42

    await restore(any_database, backup)
    async with opened(any_database) as restored:
        assert await _offset_and_events(restored) == at_backup
        assert await restored.get("r3") is None
        async with projecting(bus, restored) as projector:
            await wait_for_state(restored, "r5", S.AWAITING_APPROVAL)
            # r3..r5 folded from the log, once each; nothing before the backup's offset read again.
            assert (projector.folded.new, projector.folded.duplicates) == (21, 0)
        offset, count = await _offset_and_events(restored)
        assert count == latest[1] and offset > latest[0]  # past its own start-up marker too
        for i in range(6):
            release = await restored.get(f"r{i}")
            assert release is not None and release.state is S.AWAITING_APPROVAL
