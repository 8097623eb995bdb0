"""Lead time runs from when the change was committed, not from when its author first wrote it.

A rebase or a cherry-pick keeps the author date (`%aI`) of the original work and sets the committer date to
the moment the commit was made: a commit authored on Jan 1 and rebased onto main on Jan 3 at 04:00, live at
10:00, has a lead time of 6 h (DORA: from commit to production), not the 58 h its author date gave. Events
recorded before the builder kept the committer date have only the author's `time`: they are history, read as
they are.
"""

from __future__ import annotations

from services.shared.dora import delivery_keys
from services.shared.protocol import ReleaseState as S
from tests.metrics.delivery_log import SINCE, UNTIL, at, commit_of, released

H = 3600.0


def test_a_rebased_commit_is_measured_from_its_committer_date() -> None:
    rebased = released("K", "shop", at(3, 8), at(3, 10), details={S.BUILT: {"commits": [
        {"sha": commit_of("K"), "author": "ann <ann@example.org>", "time": at(1).isoformat(),
         "committed": at(3, 4).isoformat(), "subject": "old work, rebased"}]}})
    report = delivery_keys([rebased], SINCE, UNTIL)
    assert (report.overall.lead_time_seconds, report.overall.lead_time_samples) == (6 * H, 1)


def test_an_event_recorded_with_the_author_date_only_still_gives_its_lead_time() -> None:
    older = released("L", "shop", at(3, 8), at(3, 10), at(3, 9))  # `time` alone, as events were recorded
    assert delivery_keys([older], SINCE, UNTIL).overall.lead_time_seconds == 1 * H
