"""A quiet spell's first delivery waits up to the projector's linger for more, so a release's events are folded in
a few transactions rather than one each; what must not wait ends the wait: an event someone acts on at once,
`hurry`, a batch's worth of deliveries, a stop, and the catch-up marker at start-up (each test starts a projector
whose linger outlasts its timeouts)."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from services.shared.bus import Bus
from services.shared.db import projector as projector_module
from services.shared.db.projector import SMALL_BATCH
from services.shared.db.releases import ReleaseDatabase
from services.shared.protocol import ACTED_ON_AT_ONCE
from services.shared.protocol import ReleaseState as S
from tests.db.conftest import HAPPY, chain, projecting, publish_all
from tests.harness import until_delivered, wait_for_state

FOREVER = 600.0  # far past every timeout here: only what ends a linger can make these tests pass


def count_folds(database: ReleaseDatabase) -> list[int]:
    """The size of each projector batch from now on."""
    sizes: list[int] = []
    run = database.writer.run

    async def counted(fn: Any, *args: Any, **kwargs: Any) -> Any:
        if fn is projector_module.fold_batch_sync:
            sizes.append(len(args[1]))
        return await run(fn, *args, **kwargs)

    database.writer.run = counted  # type: ignore[method-assign]
    return sizes


async def test_a_release_lingers_unfolded_until_hurried_then_folds_in_one_batch(
        bus: Bus, database: ReleaseDatabase) -> None:
    started = time.monotonic()
    async with projecting(bus, database, linger=FOREVER) as projector:
        assert time.monotonic() - started < 10, "the catch-up marker waited out the linger"
        sizes = count_folds(database)
        events = chain("r1", states=HAPPY[:-1])  # requested .. deploying: fewer than a batch's worth, none acted on
        assert len(events) < SMALL_BATCH
        await publish_all(bus, events)
        await until_delivered(database, "r1", len(events))
        assert await database.latest("r1") is None and sizes == []

        projector.hurry()
        released = await wait_for_state(database, "r1", S.DEPLOYING, timeout=10)
        assert released.state is S.DEPLOYING
        assert sizes == [len(events)]


@pytest.mark.parametrize("last", [S.AWAITING_APPROVAL, S.FAILED])
async def test_an_event_acted_on_at_once_is_folded_as_it_arrives_with_what_lingered(
        bus: Bus, database: ReleaseDatabase, last: S) -> None:
    assert last in ACTED_ON_AT_ONCE
    async with projecting(bus, database, linger=FOREVER):
        sizes = count_folds(database)
        events = chain("r1", states=HAPPY[:-1])  # requested .. deploying: they linger
        await publish_all(bus, events)
        await until_delivered(database, "r1", len(events))
        assert sizes == []
        await bus.publish(events[-1].next(last, actor="test"))
        await wait_for_state(database, "r1", last, timeout=10)
        assert sizes == [len(events) + 1]


async def test_a_batch_worth_of_deliveries_is_folded_without_waiting(bus: Bus, database: ReleaseDatabase) -> None:
    async with projecting(bus, database, linger=FOREVER):
        # Exactly a batch's worth: the SMALL_BATCH-th delivery ends the wait (more would linger again).
        releases = [chain("r0", app="a0", states=HAPPY[:-1]), chain("r1", app="a1", states=HAPPY[:-1]),
                    chain("r2", app="a2", states=HAPPY[:3])]
        assert sum(map(len, releases)) == SMALL_BATCH
        for events in releases:
            await publish_all(bus, events)
        for events in releases:
            await wait_for_state(database, events[-1].release_id, events[-1].state, timeout=10)


async def test_a_stop_ends_the_linger(bus: Bus, database: ReleaseDatabase) -> None:
    async with projecting(bus, database, linger=FOREVER) as projector:
        await publish_all(bus, chain("r1", states=()))
        await until_delivered(database, "r1", 1)
        started = time.monotonic()
        await asyncio.wait_for(projector.stop(grace=FOREVER), 10)
        assert time.monotonic() - started < 5
    assert await database.latest("r1") is None  # unfolded and unacked: the next projector reads it again
