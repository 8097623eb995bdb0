"""A quiet spell's first delivery waits up to the projector's linger for more, so a release's events are folded in
a few transactions rather than one each. Only the intermediate steps wait: an event people hear of or act on ends the
wait, and so do `hurry`, a batch's worth of deliveries, a stop, and the catch-up marker at start-up (each test
starts a projector whose linger outlasts its timeouts)."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from services.shared.bus import Bus
from services.shared.db import fold_loop as fold_loop_module
from services.shared.db.fold_loop import SMALL_BATCH
from services.shared.db.releases import ReleaseDatabase
from services.shared.events import ReleaseEvent
from services.shared.protocol import SHOWN_AT_ONCE
from services.shared.protocol import ReleaseState as S
from tests.db.conftest import HAPPY, chain, projecting, publish_all
from tests.harness import Deliveries, wait_for_state

FOREVER = 600.0  # far past every timeout here: only what ends a linger can make these tests pass


def count_folds(database: ReleaseDatabase) -> list[int]:
    """The size of each projector batch from now on."""
    sizes: list[int] = []
    run = database.writer.run

    async def counted(fn: Any, *args: Any, **kwargs: Any) -> Any:
        if fn is fold_loop_module.fold_batch_sync:
            sizes.append(len(args[1]))
        return await run(fn, *args, **kwargs)

    database.writer.run = counted  # type: ignore[method-assign]
    return sizes


async def requested(bus: Bus, database: ReleaseDatabase, release_id: str, app: str = "demo") -> ReleaseEvent:
    """A release's `requested`, folded as it arrives (people hear of it)."""
    event = chain(release_id, app=app, states=())[0]
    assert event.state in SHOWN_AT_ONCE
    await bus.publish(event)
    await wait_for_state(database, release_id, S.REQUESTED, timeout=10)
    return event


def steps(event: ReleaseEvent, states: tuple[S, ...]) -> list[ReleaseEvent]:
    out = []
    for state in states:
        event = event.next(state, actor="test")
        out.append(event)
    return out


INTERMEDIATE = HAPPY[:-1]  # building .. deploying: none shown at once
assert not set(INTERMEDIATE) & SHOWN_AT_ONCE


async def test_intermediate_steps_linger_unfolded_until_hurried_then_fold_in_one_batch(
        bus: Bus, database: ReleaseDatabase, monkeypatch: pytest.MonkeyPatch) -> None:
    deliveries = Deliveries(monkeypatch)
    started = time.monotonic()
    async with projecting(bus, database, linger=FOREVER) as projector:
        assert time.monotonic() - started < 10, "the catch-up marker waited out the linger"
        sizes = count_folds(database)
        events = steps(await requested(bus, database, "r1"), INTERMEDIATE)
        await publish_all(bus, events)
        await deliveries.until(database, "r1", len(events))
        assert (await database.latest("r1")).state is S.REQUESTED  # type: ignore[union-attr]

        projector.hurry()
        await wait_for_state(database, "r1", S.DEPLOYING, timeout=10)
        assert sizes == [1, len(events)]


@pytest.mark.parametrize("last", [S.AWAITING_APPROVAL, S.FAILED])
async def test_an_event_shown_at_once_is_folded_as_it_arrives_with_what_lingered(
        bus: Bus, database: ReleaseDatabase, last: S, monkeypatch: pytest.MonkeyPatch) -> None:
    assert last in SHOWN_AT_ONCE
    deliveries = Deliveries(monkeypatch)
    async with projecting(bus, database, linger=FOREVER):
        sizes = count_folds(database)
        events = steps(await requested(bus, database, "r1"), INTERMEDIATE)
        await publish_all(bus, events)
        await deliveries.until(database, "r1", len(events))
        await bus.publish(events[-1].next(last, actor="test"))
        await wait_for_state(database, "r1", last, timeout=10)
        assert sizes == [1, len(events) + 1]


async def test_a_batch_worth_of_deliveries_is_folded_without_waiting(bus: Bus, database: ReleaseDatabase) -> None:
    async with projecting(bus, database, linger=FOREVER):
        firsts = [await requested(bus, database, f"r{n}", app=f"a{n}") for n in range(4)]
        # Exactly a batch's worth: the SMALL_BATCH-th delivery ends the wait (more would linger again).
        releases = [steps(first, INTERMEDIATE[:4]) for first in firsts]
        assert sum(map(len, releases)) == SMALL_BATCH
        for events in releases:
            await publish_all(bus, events)
        for events in releases:
            await wait_for_state(database, events[-1].release_id, events[-1].state, timeout=10)


async def test_a_stop_ends_the_linger(bus: Bus, database: ReleaseDatabase,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    deliveries = Deliveries(monkeypatch)
    async with projecting(bus, database, linger=FOREVER) as projector:
        await publish_all(bus, steps(await requested(bus, database, "r1"), INTERMEDIATE[:1]))
        await deliveries.until(database, "r1", 1)
        started = time.monotonic()
        await asyncio.wait_for(projector.stop(grace=FOREVER), 10)
        assert time.monotonic() - started < 5
    # `building` unfolded and unacked: the next projector reads it again.
    assert (await database.latest("r1")).state is S.REQUESTED  # type: ignore[union-attr]
