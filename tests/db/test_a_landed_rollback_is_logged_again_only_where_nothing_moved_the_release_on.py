"""The switcher logs a landed rollback again (its own `rolling_back`) only where nothing else moved the release on:
not beside a person's rollback asked again meanwhile (the API recorded it at that seq before publishing); and, its own
records given up round after round, ROUNDS times at most.

The first version let any `rolling_back` at the next seq through as "this one's record already": a person's got a
second one beside it, the switcher's, which the switcher then acted on too (found by a review, never released).
"""

from __future__ import annotations

from typing import Any

import pytest

from services.shared.db.releases import ReleaseDatabase
from services.shared.events import ReleaseEvent
from services.shared.protocol import ReleaseState as S
from services.shared.release import Colour
from services.switcher.announce import Announcer
from services.switcher.landed import LANDED, ROUNDS, log_the_landed_rollback
from tests.db.conftest import went_live


class Bus:
    def __init__(self) -> None:
        self.published: list[ReleaseEvent] = []

    async def publish(self, event: ReleaseEvent) -> None:
        self.published.append(event)


class Timers:
    async def schedule(self, event: ReleaseEvent, delay: float) -> None:
        pass


async def test_the_landed_rollback_is_not_logged_beside_a_persons_rollback(database: ReleaseDatabase) -> None:
    r1 = went_live("r1", Colour.BLUE, None)
    r2 = went_live("r2", Colour.GREEN, "r1")
    await database.record_all([*r1, *r2])
    rolling = r2[-1].next(S.ROLLING_BACK, actor="ann", details={"reason": "errors"})
    refused = rolling.next(S.LIVE, actor="switcher", details={"rollback_refused": "gave up: cluster away"})
    await database.record_all([rolling, refused])
    # Bob asks again: the API records its rolling_back (strict) before publishing it.
    again = refused.next(S.ROLLING_BACK, actor="bob", details={"reason": "still errors"})
    await database.record(again, strict=True)

    bus: Any = Bus()
    await log_the_landed_rollback(Announcer(Timers(), database, 60.0), refused, bus)
    assert [(e.seq, e.state.value, e.actor) for e in bus.published] == [], \
        "a second rolling_back at bob's seq, the switcher's, published beside bob's"



@pytest.mark.parametrize("rounds", [ROUNDS - 1, ROUNDS])
async def test_a_landed_rollback_given_up_round_after_round_is_logged_again_a_few_times(
        database: ReleaseDatabase, rounds: int) -> None:
    r1 = went_live("r1", Colour.BLUE, None)
    r2 = went_live("r2", Colour.GREEN, "r1")
    await database.record_all([*r1, *r2])
    rolling = r2[-1].next(S.ROLLING_BACK, actor="ann", details={"reason": "errors"})
    refused = rolling.next(S.LIVE, actor="switcher", details={"rollback_refused": "gave up: cluster away"})
    given_up = [rolling, refused]
    for _ in range(rounds):  # each landed record given up in its turn
        ours = given_up[-1].next(S.ROLLING_BACK, actor="switcher", details={"reason": "landed", LANDED: True})
        given_up += [ours, ours.next(S.LIVE, actor="switcher", details={"rollback_refused": "gave up again"})]
    await database.record_all(given_up)

    bus: Any = Bus()
    await log_the_landed_rollback(Announcer(Timers(), database, 60.0), given_up[-1], bus)
    assert [e.state for e in bus.published] == ([S.ROLLING_BACK] if rounds < ROUNDS else [])
