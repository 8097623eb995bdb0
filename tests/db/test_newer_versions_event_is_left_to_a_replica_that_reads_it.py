"""An event only a newer Greenlight reads (a state this version does not know), met by an older replica that holds
the projector's lease during a rolling upgrade: it folds nothing from it on and does not pass its offset, says so in
one error line, is not ready, and lets the lease go; a replica that reads it (a newer one: its parse stands in here)
takes over and folds it and everything after it, and the older one is ready again.

Before, the older replica skipped it with a warning and passed its offset, folding on: the event was missing from the
read model for good (r1's history went from `built` to `pushed`), although a newer replica could have folded it.
"""

from __future__ import annotations

import structlog

from services.shared.bus import Bus
from services.shared.db.releases import ReleaseDatabase
from services.shared.protocol import ReleaseState as S
from tests.db.conftest import chain
from tests.db.newer_events import logged, publish_bodies, read_model, stored, until_ready, with_a_newer_step


async def test_an_older_projector_leaves_a_newer_event_to_a_replica_that_reads_it(
        bus: Bus, database: ReleaseDatabase) -> None:
    before, after = logged(chain("r0", app="first")), logged(chain("r2", app="later"))
    readiness = {"database": True}
    with structlog.testing.capture_logs() as logs:
        async with read_model(bus, database, lease_interval=0.2, readiness=readiness) as older:
            assert older.leading
            await publish_bodies(bus, before + with_a_newer_step("r1", "shop") + after)
            await until_ready(older, False)
            offset = older.left_to_newer
            assert offset is not None and not older.leading and readiness == {"database": False}
            assert await database.last_offset() == offset - 1  # not passed
            assert [rid for rid, _ in await stored(database)] == ["r0"] * 7 + ["r1"] * 3  # nothing after it
            r1 = await database.get("r1")
            assert r1 is not None and r1.state is S.BUILT
            assert await database.get("r2") is None

            async with read_model(bus, database, newer=True) as newer:  # it finds the lease free
                assert newer.leading
                rows = await stored(database)
                assert [rid for rid, _ in rows] == ["r0"] * 7 + ["r1"] * 7 + ["r2"] * 7
                assert ("r1", offset) in rows
                for rid in ("r1", "r2"):
                    release = await database.get(rid)
                    assert release is not None and release.state is S.AWAITING_APPROVAL
                await until_ready(older, True)
                assert readiness == {"database": True} and not older.leading
    errors = [line for line in logs if line["log_level"] == "error"]
    assert len(errors) == 1, errors
    assert "a newer Greenlight" in errors[0]["event"] and "'scanning'" in errors[0]["reason"]
    assert errors[0]["offset"] == offset
