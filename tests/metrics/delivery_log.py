"""A fixture release log with hand-computed DORA keys (the figures are worked out in the test)."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from services.shared.events import ReleaseEvent
from services.shared.protocol import ReleaseState as S
from tests.harness import make_release

SINCE = datetime(2026, 1, 1, tzinfo=UTC)
UNTIL = datetime(2026, 1, 11, tzinfo=UTC)  # a 10-day window


def at(day: int, hour: int = 0, minute: int = 0) -> datetime:
    """Day 1-27: January 2026; day 30: December 30, 2025 (before the window)."""
    if day == 30:
        return datetime(2025, 12, 30, hour, minute, tzinfo=UTC)
    return datetime(2026, 1, day, hour, minute, tzinfo=UTC)


def commit_of(rid: str) -> str:
    """Each release its own commit, unless a test says otherwise."""
    return hashlib.sha1(rid.encode()).hexdigest()


def history(rid: str, app: str, steps: list[tuple[S, datetime]], commit_time: datetime | None = None,
            commit: str | None = None, details: Mapping[S, dict[str, Any]] | None = None) -> list[ReleaseEvent]:
    """`commit_time`: the author date the builder recorded (the only date of events logged before the committer
    date was); `details`: more details by state, e.g. a `requested` event's `from_release`."""
    sha = commit or commit_of(rid)
    events = []
    for seq, (state, when) in enumerate(steps, start=1):
        more: dict[str, Any] = {}
        if state == S.BUILT and commit_time:  # as the builder records them: the release's own commit first
            more["commits"] = [{"sha": sha, "author": "ann <ann@example.org>", "time": commit_time.isoformat(),
                                "subject": "change"}]
        more.update((details or {}).get(state, {}))
        events.append(ReleaseEvent(release_id=rid, app=app, seq=seq, state=state, occurred_at=when, actor="t",
                                   details=more, release=make_release(rid, app, state=state, seq=seq, commit=sha)))
    return events


TO_SWITCH = (S.BUILDING, S.BUILT, S.PUSHING, S.PUSHED, S.DEPLOYING, S.AWAITING_APPROVAL, S.APPROVED, S.SWITCHING)


def released(rid: str, app: str, requested: datetime, live: datetime, commit_time: datetime | None = None,
             then: tuple[tuple[S, datetime], ...] = (), commit: str | None = None,
             details: Mapping[S, dict[str, Any]] | None = None) -> list[ReleaseEvent]:
    """Every legal step from `requested` to `live` (the steps between at the request's time), then `then`."""
    steps = [(S.REQUESTED, requested), *((state, requested) for state in TO_SWITCH), (S.LIVE, live), *then]
    return history(rid, app, steps, commit_time, commit, details)


def log() -> list[list[ReleaseEvent]]:
    return [
        # shop A: committed Jan 1 10:00, live Jan 2 10:00 (lead 24 h); superseded, restored by B's rollback.
        released("A", "shop", at(2, 8), at(2, 10), at(1, 10), ((S.SUPERSEDED, at(3, 6)), (S.LIVE, at(3, 7, 30)))),
        # shop B: committed Jan 3 00:00, live 06:00 (lead 6 h), rolled back 07:30 (restore 1.5 h): failed.
        released("B", "shop", at(3, 1), at(3, 6), at(3), ((S.ROLLING_BACK, at(3, 7)), (S.ROLLED_BACK, at(3, 7, 30)))),
        # shop C: no commit time known; live Jan 5.
        released("C", "shop", at(4, 23), at(5)),
        # shop D: failed in the build: never a deployment.
        history("D", "shop", [(S.REQUESTED, at(5, 1)), (S.BUILDING, at(5, 2)), (S.FAILED, at(5, 3))], at(5)),
        # shop E: live before the window (Dec 30); its rollback inside the window does not count.
        released("E", "shop", at(30), at(30, 1), None, ((S.ROLLING_BACK, at(2)), (S.ROLLED_BACK, at(2, 0, 5)))),
        # shop F: committed Jan 5 12:00, live Jan 6 (lead 12 h); rolled back 9 days later: outside 7 days.
        released("F", "shop", at(5, 20), at(6), at(5, 12), ((S.ROLLING_BACK, at(15)), (S.ROLLED_BACK, at(15, 0, 1)))),
        # blog G: committed Jan 7 00:00, live 01:00 (lead 1 h), rolled back 03:00 (restore 2 h): failed.
        released("G", "blog", at(7, 0, 10), at(7, 1), at(7),
                 ((S.ROLLING_BACK, at(7, 2, 50)), (S.ROLLED_BACK, at(7, 3)))),
        # blog H: live Jan 12, after the window.
        released("H", "blog", at(12), at(12, 1)),
    ]
