"""The fold applies only legal transitions, also past a gap in the seqs (the events between not folded yet, or
trimmed from the log): `live` two seqs after `building` was folded, the release shown live and its app's live
release named, where the same `live` one seq after `building` was refused. A gap a real release can cross is
still folded."""

from __future__ import annotations

from services.shared.bus import Bus
from services.shared.db.releases import ReleaseDatabase
from services.shared.protocol import ReleaseState as S
from tests.db.conftest import chain, jumped, projecting, publish_all
from tests.harness import wait_for_state


async def test_a_state_no_path_reaches_in_as_many_steps_is_not_folded(bus: Bus, database: ReleaseDatabase) -> None:
    events = chain("r1", states=(S.BUILDING,))
    async with projecting(bus, database):
        await publish_all(bus, [*events, jumped(events[-1], 4, S.LIVE), *chain("m1", app="marker")])
        await wait_for_state(database, "m1", S.AWAITING_APPROVAL)
    assert (await database.get("r1")).state is S.BUILDING  # type: ignore[union-attr]
    assert [s.note for s in await database.history("r1")][-1] == "illegal transition building -> live"


async def test_a_gap_a_release_can_cross_is_folded(bus: Bus, database: ReleaseDatabase) -> None:
    events = chain("r2", states=(S.BUILDING, S.BUILT, S.PUSHING))
    async with projecting(bus, database):
        await publish_all(bus, [*events[:2], events[-1], *chain("m2", app="marker")])  # `built` not (yet) logged
        await wait_for_state(database, "m2", S.AWAITING_APPROVAL)
    assert (await database.get("r2")).state is S.PUSHING  # type: ignore[union-attr]
    assert [s.note for s in await database.history("r2")] == [None, None, None]
