"""An app's card keeps the colour its switch left warm (and the release on it as the standby) while post-promotion
checks measure the live release, while a rollback is under way, and after one is refused: that colour still runs the
previous release, the rollback's target.

Before, the card read the warm colour from the live release's latest event alone: an analysis measurement carries the
switch's facts under `carry`, and `rolling_back` and a refused rollback's `live` name none, so the card showed no warm
colour and no standby from the first measurement on. Failed on the old code, both databases.
"""

from __future__ import annotations

from services.approval.app_facts import warm_colour
from services.approval.release_views import _standby
from services.shared.db.releases import ReleaseDatabase
from services.shared.events import ReleaseEvent, first_event
from services.shared.protocol import ReleaseState as S
from services.shared.release import Colour
from services.switcher.warm import warm_until
from tests.db.conftest import HAPPY, went_live
from tests.harness import make_release


def staged_b() -> list[ReleaseEvent]:
    event = first_event(make_release("b", "demo", previous_release="a"), actor="ann")
    events = [event]
    for state in (*HAPPY, S.APPROVED, S.SWITCHING):
        changes = {"standby_colour": Colour.GREEN, "live_colour": Colour.BLUE} if state is S.DEPLOYING else {}
        event = event.next(state, actor="test", **changes)
        events.append(event)
    return events


async def card(database: ReleaseDatabase) -> tuple[str | None, str | None, str | None, str | None]:
    row = await database.app("demo")
    warm = await warm_colour(database, row)
    standby = _standby(row, warm)
    return (row.live.id if row.live else None, row.standby.id if row.standby else None,
            None if standby is None else standby.id,  # type: ignore[union-attr]
            None if warm is None else warm.colour.value)


async def test_warm_colour_while_verifying(database: ReleaseDatabase) -> None:
    a = went_live("a", Colour.BLUE, None)
    await database.record_all(a)
    b = staged_b()
    superseded = a[-1].next(S.SUPERSEDED, actor="switcher", details={"superseded_by": "b"})
    verifying = b[-1].next(S.VERIFYING, actor="switcher", details={
        "colour": "green", "previous_colour": "blue", **warm_until(Colour.BLUE, 3600)})
    await database.record_all([*b, superseded, verifying])
    on_verifying = await card(database)
    measured = verifying.next(S.VERIFYING, actor="analysis", details={
        "measurement": {"check": "health"}, "phase": "post", "tally": {}, "carry": verifying.details})
    await database.record_all([measured])
    on_measurement = await card(database)
    assert on_verifying == ("b", "a", "a", "blue")
    assert on_measurement == on_verifying, on_measurement  # nothing moved: a still warm on blue


async def test_warm_colour_after_a_refused_rollback(database: ReleaseDatabase) -> None:
    a = went_live("a", Colour.BLUE, None)
    await database.record_all(a)
    b = staged_b()
    superseded = a[-1].next(S.SUPERSEDED, actor="switcher", details={"superseded_by": "b"})
    live = b[-1].next(S.LIVE, actor="switcher", details={
        "colour": "green", "previous_colour": "blue", **warm_until(Colour.BLUE, 3600)})
    await database.record_all([*b, superseded, live])
    on_live = await card(database)
    rolling = live.next(S.ROLLING_BACK, actor="ann", details={"reason": "errors"})
    await database.record_all([rolling])
    on_rolling = await card(database)
    refused = rolling.next(S.LIVE, actor="switcher", details={"rollback_refused": "the cluster said no"})
    await database.record_all([refused])
    on_refused = await card(database)
    assert on_live == ("b", "a", "a", "blue")
    assert (on_rolling, on_refused) == (on_live, on_live), (on_rolling, on_refused)
