"""An illegal event logged first at its seq does not hold the seq: the legal event logged after it at the same seq
is folded (not noted a conflict), the release goes on from it and not from the refused twin, the history lists the
seq's refused events in the order they came, and a service's own record behind such an event is folded too (not
refused as another writer's). Before, the legal event was a `conflict` and the release stood still at the seq
before, every later event of it refused or a conflict as well."""

from __future__ import annotations

from services.shared.bus import Bus
from services.shared.db.releases import ReleaseDatabase
from services.shared.protocol import ReleaseState as S
from tests.db.conftest import chain, jumped, projecting, publish_all
from tests.harness import wait_for_state


async def test_the_legal_twin_logged_after_illegal_ones_is_folded(bus: Bus, database: ReleaseDatabase) -> None:
    events = chain("r1", states=(S.BUILDING,))
    built = events[-1].next(S.BUILT, actor="builder", image="reg/demo:1")
    async with projecting(bus, database):
        await publish_all(bus, [*events, jumped(events[-1], 3, S.LIVE), jumped(events[-1], 3, S.APPROVED), built,
                                # `superseded` follows the refused `live`, not the folded `built`: refused too
                                jumped(built, 4, S.SUPERSEDED), built.next(S.PUSHING, actor="pusher"),
                                *chain("m1", app="marker")])
        await wait_for_state(database, "m1", S.AWAITING_APPROVAL)  # everything before it is folded
    assert (await database.get("r1")).state is S.PUSHING  # type: ignore[union-attr]
    assert [(s.event.seq, s.event.state, s.note) for s in await database.history("r1")] == [
        (1, S.REQUESTED, None), (2, S.BUILDING, None), (3, S.LIVE, "illegal transition building -> live"),
        (3, S.APPROVED, "illegal transition building -> approved"), (3, S.BUILT, None),
        (4, S.SUPERSEDED, "illegal transition built -> superseded"), (4, S.PUSHING, None)]
    assert (await database.latest("r1")).state is S.PUSHING  # type: ignore[union-attr]


async def test_a_record_behind_an_illegal_event_of_its_seq_is_folded(bus: Bus, database: ReleaseDatabase) -> None:
    events = chain("r2", states=(S.BUILDING,))
    async with projecting(bus, database):
        await publish_all(bus, [*events, jumped(events[-1], 3, S.LIVE), *chain("m1", app="marker")])
        await wait_for_state(database, "m1", S.AWAITING_APPROVAL)
        await database.record(events[-1].next(S.BUILT, actor="builder", image="reg/demo:1"), strict=True)
    assert (await database.get("r2")).state is S.BUILT  # type: ignore[union-attr]
    assert [(s.event.state, s.note) for s in await database.history("r2")][2:] == [
        (S.LIVE, "illegal transition building -> live"), (S.BUILT, None)]
