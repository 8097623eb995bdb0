"""`ReleaseDatabase.staged_since`: the release of an app, created after a given one, that was staged on a colour
(or failed deploying onto one) is found however many releases came after it (here 150 that failed at lint), by one
query returning one row; releases of other apps, from before, or excluded by id are not."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.shared.db.releases import ReleaseDatabase, ReleaseFilter
from services.shared.events import ReleaseEvent
from services.shared.protocol import ReleaseState as S
from services.shared.release import Colour, ReleaseError
from tests.db.conftest import HAPPY, chain

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
TO_LIVE = (*HAPPY, S.APPROVED, S.SWITCHING, S.LIVE)
LATER = 150  # more than a page of 100, which the API's rollback check once read and stopped at


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def failed(rid: str, minutes: int, step: str, through: tuple[S, ...], app: str = "demo") -> list[ReleaseEvent]:
    events = chain(rid, app=app, states=through, created_at=at(minutes))
    return [*events, events[-1].next(S.FAILED, actor=step, error=ReleaseError(step=step, reason="no"))]


async def history(database: ReleaseDatabase) -> None:
    """`previous` on blue, then `live` on green; since then `staged` on blue (rejected), then LATER releases that
    failed at lint; around them releases that do not count: another app's, and one of this app from before."""
    previous = chain("previous", states=TO_LIVE, standby_colour=Colour.BLUE, created_at=at(0))
    before = chain("before", states=(*HAPPY, S.REJECTED), standby_colour=Colour.BLUE, created_at=at(1))
    live = chain("live", states=TO_LIVE, standby_colour=Colour.GREEN, previous_release="previous",
                 created_at=at(2))
    superseded = previous[-1].next(S.SUPERSEDED, actor="switcher", details={"superseded_by": "live"})
    staged = chain("staged", states=(*HAPPY, S.REJECTED), standby_colour=Colour.BLUE, created_at=at(3))
    elsewhere = chain("elsewhere", app="blog", states=HAPPY, standby_colour=Colour.BLUE, created_at=at(4))
    await database.record_all([*previous, *before, *live, superseded, *staged, *elsewhere])
    lint = (S.BUILDING,)
    await database.record_all([e for n in range(LATER) for e in failed(f"lint-{n:03}", 5 + n, "lint", lint)])


async def test_a_release_staged_before_many_later_ones_is_found(database: ReleaseDatabase) -> None:
    await history(database)
    found = await database.staged_since("demo", at(2), ["live", "previous"])
    assert found is not None and (found.id, found.standby_colour) == ("staged", Colour.BLUE)
    # The page the rollback check read before: the newest 100 since the live release, all failed at lint.
    page, more = await database.page(ReleaseFilter(app="demo", since=at(2)), 100, None)
    assert more and "staged" not in {r.id for r in page}


async def test_a_release_that_failed_deploying_counts_and_the_excluded_do_not(database: ReleaseDatabase) -> None:
    await history(database)
    deploy = (S.BUILDING, S.BUILT, S.PUSHING, S.PUSHED, S.DEPLOYING)
    await database.record_all(failed("broke", 5 + LATER, "deploy", deploy))  # no colour recorded
    await database.record_all(failed("lint-last", 6 + LATER, "lint", (S.BUILDING,)))
    found = await database.staged_since("demo", at(2), ["live", "previous"])
    assert found is not None and (found.id, found.standby_colour, found.state) == ("broke", None, S.FAILED)
    assert (await database.staged_since("demo", at(2), ["live", "staged", "broke"])) is None  # lint failures only
    assert (await database.staged_since("blog", at(0), [])) is not None  # another app's is its own
    assert (await database.staged_since("nothing-here", at(0), [])) is None
