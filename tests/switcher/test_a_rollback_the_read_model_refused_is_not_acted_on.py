"""The switcher acts on a `rolling_back` only if the read model kept it for its seq (`Announcer.kept`): not one stored
as a conflict, and not one the table refused (`illegal transition …`: a rollback of a release still switching),
while the legal event logged after it at that seq (`live`) is the one folded. Before, a refused event counted as
kept, and the switcher rolled back a release the read model showed live."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from services.shared.db.engine import open_engine
from services.shared.db.migrate import migrate
from services.shared.db.releases import ReleaseDatabase
from services.shared.db.settings import DatabaseSettings
from services.shared.protocol import ReleaseState as S
from services.switcher.announce import Announcer
from tests.db.conftest import HAPPY, chain, jumped


@pytest.fixture
async def database() -> AsyncIterator[ReleaseDatabase]:
    engine = open_engine(DatabaseSettings())
    try:
        await migrate(engine)
        yield ReleaseDatabase(engine)
    finally:
        await engine.dispose()


async def test_only_the_event_folded_at_its_seq_is_kept(database: ReleaseDatabase) -> None:
    *events, switching = chain("r1", states=(*HAPPY, S.APPROVED, S.SWITCHING))
    refused = jumped(switching, switching.seq + 1, S.ROLLING_BACK)
    live = switching.next(S.LIVE, actor="switcher")
    conflict = switching.next(S.FAILED, actor="switcher")
    for event in (*events, switching, refused, live, conflict):
        await database.record(event)
    announcer = Announcer(None, database, 0.0)  # type: ignore[arg-type]  # timers: not used by `kept`
    assert [s.note for s in await database.history("r1")][-3:] == [
        "illegal transition switching -> rolling_back", None, "conflict"]
    assert [await announcer.kept(event) for event in (refused, live, conflict)] == [False, True, False]
