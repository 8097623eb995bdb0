"""A release's first event is checked against the table too: `live` as event 1 of a release nobody requested is
kept in the history with its reason and shows no release and no live app, and the release's own `requested`, logged
after it at the same seq, is folded as the first event it is (not taken for its conflicting twin). A first event a
release can reach at its seq, as where the log was trimmed before the database knew the release, is still folded.
Before, the forged `live` was folded: the app's live release named by a release that never ran."""

from __future__ import annotations

from services.shared.bus import Bus
from services.shared.db.releases import ReleaseDatabase
from services.shared.protocol import ReleaseState as S
from tests.db.conftest import chain, jumped, projecting, publish_all
from tests.harness import wait_for_state

REFUSED = "illegal transition: live cannot be event 1 of a release"


async def test_a_first_event_no_release_reaches_is_history_alone(bus: Bus, database: ReleaseDatabase) -> None:
    events = chain("r1", states=(S.BUILDING,))
    async with projecting(bus, database):
        await publish_all(bus, [jumped(events[0], 1, S.LIVE), *chain("m1", app="marker")])
        await wait_for_state(database, "m1", S.AWAITING_APPROVAL)  # everything before it is folded
        assert await database.get("r1") is None
        assert (await database.app("demo")).live is None
        assert [(s.event.state, s.note) for s in await database.history("r1")] == [(S.LIVE, REFUSED)]
        await publish_all(bus, [*events, *chain("m2", app="marker")])
        await wait_for_state(database, "m2", S.AWAITING_APPROVAL)
    assert (await database.get("r1")).state is S.BUILDING  # type: ignore[union-attr]
    assert [(s.event.seq, s.event.state, s.note) for s in await database.history("r1")] == [
        (1, S.LIVE, REFUSED), (1, S.REQUESTED, None), (2, S.BUILDING, None)]


async def test_a_first_event_a_release_reaches_at_its_seq_is_folded(bus: Bus, database: ReleaseDatabase) -> None:
    events = chain("r2", states=(S.BUILDING, S.BUILT))
    async with projecting(bus, database):
        await publish_all(bus, [events[-1], *chain("m1", app="marker")])  # `requested` and `building` trimmed
        await wait_for_state(database, "m1", S.AWAITING_APPROVAL)
    assert (await database.get("r2")).state is S.BUILT  # type: ignore[union-attr]
    assert [s.note for s in await database.history("r2")] == [None]
