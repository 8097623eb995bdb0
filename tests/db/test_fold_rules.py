"""The fold is idempotent and order-tolerant, applies only legal transitions, and keeps conflicting twins."""

from __future__ import annotations

from services.shared.bus import Bus
from services.shared.db.releases import ReleaseDatabase
from services.shared.protocol import ReleaseState as S
from services.shared.release import ReleaseError
from tests.db.conftest import chain, projecting, publish_all
from tests.harness import wait_for_state


async def test_duplicates_and_out_of_order_events_end_in_the_highest_seq(bus: Bus,
                                                                         database: ReleaseDatabase) -> None:
    events = chain("r1")
    shuffled = [events[0], events[3], events[1], events[1], events[2], events[6], events[4], events[5], events[3]]
    async with projecting(bus, database) as projector:
        await publish_all(bus, shuffled)
        await wait_for_state(database, "r1", S.AWAITING_APPROVAL)
        await publish_all(bus, [events[0]])  # one more duplicate, after everything
        marker = chain("m1", app="marker")
        await publish_all(bus, marker)
        await wait_for_state(database, "m1", S.AWAITING_APPROVAL)
    history = await database.history("r1")
    assert [(s.event.seq, s.event.state) for s in history] == [(e.seq, e.state) for e in events]
    assert (await database.get("r1")).state is S.AWAITING_APPROVAL  # type: ignore[union-attr]
    assert projector.folded.duplicates == 3


async def test_two_different_events_with_one_seq_are_both_kept_and_the_first_folded(
        bus: Bus, database: ReleaseDatabase) -> None:
    events = chain("r1", states=(S.BUILDING,))
    built = events[-1].next(S.BUILT, actor="builder", image="reg/demo:1")
    failed = events[-1].next(S.FAILED, actor="builder", error=ReleaseError(step="build", reason="retry decided"))
    async with projecting(bus, database) as projector:
        # `failed` last: the bus refuses to publish for a release it saw end (safe points), as a worker would.
        await publish_all(bus, [*events, built, built.next(S.PUSHING, actor="pusher"), failed])
        await publish_all(bus, chain("m1", app="marker"))
        await wait_for_state(database, "m1", S.AWAITING_APPROVAL)  # everything before it is folded
    history = await database.history("r1")
    assert [(s.event.seq, s.event.state, s.note) for s in history][-3:] == [
        (3, S.BUILT, None), (3, S.FAILED, "conflict"), (4, S.PUSHING, None)]
    assert projector.folded.conflicts == 1


async def test_an_illegal_transition_is_kept_in_history_but_not_folded(bus: Bus, database: ReleaseDatabase) -> None:
    events = chain("r1", states=(S.BUILDING,))
    # `building -> live` skips the whole pipeline: no table entry allows it.
    jump = events[-1].model_copy(update={"seq": 3, "state": S.LIVE,
                                         "release": events[-1].release.model_copy(update={"seq": 3,
                                                                                          "state": S.LIVE})})
    async with projecting(bus, database):
        await publish_all(bus, [*events, jump, *chain("m1", app="marker")])
        await wait_for_state(database, "m1", S.AWAITING_APPROVAL)
    assert (await database.get("r1")).state is S.BUILDING  # type: ignore[union-attr]
    notes = [s.note for s in await database.history("r1")]
    assert notes == [None, None, "illegal transition building -> live"]
