"""A failed change is restored when a remediation holds, in each release's own order of events.

Two cases read wrong before:
- A rollback to an earlier release whose own post checks failed (rolled back itself) put the bad release back live,
  yet counted it restored at that rollback's first time serving: the time to restore stopped while the bad release
  still served. It now runs on to the remediation that held (another rollback that held, the bad release's own
  rollback, a release that took over), and a failure not restored yet has no time to restore, still a failed change.
- A `rolled_back` (or a restoration's first time serving) stamped a little before the `live` it follows, by another
  host's clock, was dropped: no failed change at all. Its events' order says it came after: restored at once.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from services.shared.dora import delivery_keys
from services.shared.events import ReleaseEvent
from services.shared.protocol import ReleaseState as S
from tests.metrics.delivery_log import SINCE, TO_SWITCH, UNTIL, at, commit_of, history, released

H = 3600.0
GOOD, BAD = "A", "B"


def superseded_by(events: list[ReleaseEvent], *by: str) -> list[ReleaseEvent]:
    """Each `superseded` in order names the release that took over, as the switcher records it."""
    names = iter(by)
    return [e.model_copy(update={"details": {"superseded_by": next(names)}}) if e.state is S.SUPERSEDED else e
            for e in events]


def restoration(rid: str, serving: datetime, then: tuple[tuple[S, datetime], ...] = ()) -> list[ReleaseEvent]:
    """A rollback to GOOD while BAD was live, serving from `serving` (`verifying`: its post checks), then `then`."""
    steps = [(S.REQUESTED, serving), *((s, serving) for s in TO_SWITCH), (S.VERIFYING, serving), *then]
    events = history(rid, "shop", steps, commit=commit_of(GOOD),
                     details={S.REQUESTED: {"from_release": GOOD, "restores": GOOD}})
    return [e.model_copy(update={"release": e.release.model_copy(update={"restores": GOOD, "previous_release": BAD})})
            for e in events]


FAILS = ((S.ROLLING_BACK, at(3, 11, 5)), (S.ROLLED_BACK, at(3, 11, 10)))  # its checks failed: BAD put back
HOLDS = ((S.LIVE, at(3, 12, 10)),)
GOOD_LIVE = released(GOOD, "shop", at(2, 8), at(2, 10))
CASES = {
    # BAD live Jan 3 10:00; a rollback serving at 11:00 fails its checks; another serving at 12:00 holds.
    "a failed rollback, then one that holds": (
        [superseded_by(released(BAD, "shop", at(3, 9), at(3, 10), then=(
            (S.SUPERSEDED, at(3, 11)), (S.LIVE, at(3, 11, 10)), (S.SUPERSEDED, at(3, 12)))), "R1", "R2"),
         restoration("R1", at(3, 11), FAILS), restoration("R2", at(3, 12), HOLDS)],
        (1, 2 * H)),
    "a failed rollback and nothing since": (
        [superseded_by(released(BAD, "shop", at(3, 9), at(3, 10), then=(
            (S.SUPERSEDED, at(3, 11)), (S.LIVE, at(3, 11, 10)))), "R1"), restoration("R1", at(3, 11), FAILS)],
        (1, None)),
    "a failed rollback, then its own rollback": (
        [superseded_by(released(BAD, "shop", at(3, 9), at(3, 10), then=(
            (S.SUPERSEDED, at(3, 11)), (S.LIVE, at(3, 11, 10)), (S.ROLLING_BACK, at(3, 12, 50)),
            (S.ROLLED_BACK, at(3, 13)))), "R1"), restoration("R1", at(3, 11), FAILS)],
        (1, 3 * H)),
    "a failed rollback, then a fix forward": (
        [superseded_by(released(BAD, "shop", at(3, 9), at(3, 10), then=(
            (S.SUPERSEDED, at(3, 11)), (S.LIVE, at(3, 11, 10)), (S.SUPERSEDED, at(3, 14)))), "R1", "C"),
         restoration("R1", at(3, 11), FAILS), released("C", "shop", at(3, 13), at(3, 14))],
        (1, 4 * H)),  # C, a deployment of its own, did not fail: 1 failed of 3
    "a rolled_back stamped before its live": (
        [released(BAD, "shop", at(3, 9), at(3, 10), then=(
            (S.ROLLING_BACK, at(3, 9, 59)), (S.ROLLED_BACK, at(3, 9, 59))))],
        (1, 0.0)),
    "a rollback that holds, serving before the live it replaced by the clock": (
        [superseded_by(released(BAD, "shop", at(3, 9), at(3, 10), then=((S.SUPERSEDED, at(3, 10)),)), "R1"),
         restoration("R1", at(3, 9, 59), ((S.LIVE, at(3, 10, 5)),))],
        (1, 0.0)),
    # Unchanged: a rollback that holds restores at its first time serving.
    "a rollback that holds": (
        [superseded_by(released(BAD, "shop", at(3, 9), at(3, 10), then=((S.SUPERSEDED, at(3, 11)),)), "R1"),
         restoration("R1", at(3, 11), ((S.LIVE, at(3, 11, 10)),))],
        (1, 1 * H)),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_failed_change_is_restored_when_a_remediation_holds(case: str) -> None:
    histories, (failed, restore) = CASES[case]
    shop = delivery_keys([GOOD_LIVE, *histories], SINCE, UNTIL, timedelta(days=7)).apps["shop"]
    deployments = 3 if "fix forward" in case else 2  # GOOD, BAD (and C): the rollbacks are restorations
    assert (shop.deployments, shop.failed_changes, shop.time_to_restore_seconds) == (deployments, failed, restore)
