"""`ReleaseDatabase.app` (GET /apps/{app}, and the live release a rollback or a restore starts from) gives the app's
row and the releases it names as of one moment, whatever commits while it reads.

It used to read the row, then the releases it names, in one transaction: one snapshot on SQLite, but two on
PostgreSQL, whose READ COMMITTED gives each statement its own. A commit between the two gave a row the database never
held: `live` naming r1 while r1's snapshot said `rolling_back`. It is one statement now (queries.APP).

Here a write is committed by another connection before the second statement the read sends, whichever way
it sends them (SQLAlchemy's execute or the driver's cursor, driver.py): deterministic, and a read of one statement is
simply not interrupted.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.shared.db.batches import fold_batch_sync
from services.shared.db.releases import ReleaseDatabase
from services.shared.db.schema import projection
from services.shared.protocol import ReleaseState as S
from services.shared.release import Colour
from tests.db.commit_between_reads import before_the_second_read, commit_elsewhere
from tests.db.conftest import went_live

STREAM = "gltest.app-snapshot.log"


async def test_the_app_row_and_its_releases_come_from_one_moment(database: ReleaseDatabase, any_database: str,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    async with database.engine.begin() as connection:
        await connection.execute(projection.insert().values(stream=STREAM, log_offset=-1,
                                                            updated_at=datetime.now(UTC)))
    r0 = went_live("r0", Colour.BLUE, None)
    r1 = went_live("r1", Colour.GREEN, "r0")
    superseded = r0[-1].next(S.SUPERSEDED, actor="switcher")
    raw = [(n, False, e.dumps()) for n, e in enumerate([*r0, *r1, superseded])]
    await database.writer.run(fold_batch_sync, STREAM, raw)
    before = await database.app("demo")
    assert before.live is not None and before.live.id == "r1" and before.standby is not None

    rolling = r1[-1].next(S.ROLLING_BACK, actor="bob", details={"reason": "bad"})
    snapshot = rolling.release.model_dump_json().replace("'", "''")
    # What the API's record of `rolling_back` commits: r1's row, and the app's row (no release serving now).
    sql = (f"UPDATE releases SET state = 'rolling_back', seq = {rolling.seq}, snapshot = '{snapshot}' "
           "WHERE id = 'r1'; UPDATE apps SET live_release = NULL, live_colour = NULL WHERE app = 'demo';")

    with before_the_second_read(database, monkeypatch,
                                lambda: commit_elsewhere(database, any_database, sql)) as reads:
        row = await database.app("demo")
    assert reads, "the read was not seen"
    # Either all before the commit (r1 live, and in its `live` state) or all after it (no live release).
    assert row.live is None or row.live.state is S.LIVE, f"live names {row.live.id} in state {row.live.state}"
    assert (row.live is None) == (row.live_colour is None)
