"""Which deployments failed and when service was restored (dora.py's change failure rate and time to restore), from
release summaries (dora_history.py).

A deployment failed when, within the failure window of its first time serving users, it was rolled back (`rolled_back`:
asked for, or by its post checks) or a rollback to an earlier release (a restoration: `restores`) replaced it: it
needed remediation, as DORA counts a change failure. Service was restored at the first remediation that held: its own
`rolled_back` (the previous release serving again), or a restoration's first time serving users that was not rolled
back itself. A restoration rolled back (its own post checks failed, or by hand) put back the release it replaced
(`live` again): it restored nothing, the failed release served on, and its time to restore runs on to the next
remediation (its own rollback, a restoration that held, or a release that took over from it: a fix forward); none
yet, it is a failed change without a time to restore.

A deployment superseded by a release other than a restoration of it ended well, whatever happened to it later (made
live again by that release's rollback, then rolled back itself: that failure is the put-back's, a restoration's).

Each release's events are in their order (seq) whatever their times say: a `rolled_back` or a restoration stamped
before the `live` it follows (two hosts' clocks a little apart) came after it, and counts as restored at once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from services.shared.dora_history import Summary
from services.shared.protocol import ReleaseState as S

Attempt = tuple[datetime, bool]  # a restoration: when it first served users, whether it held


def held(s: Summary) -> bool:
    """Not rolled back before anything superseded it."""
    return next((state for state, _, _ in s.afterwards), None) != S.ROLLED_BACK


def restorations(summaries: Sequence[Summary]) -> dict[str, dict[str, Attempt]]:
    """By the release each replaced: the restorations (rollbacks to an earlier release) that served users."""
    found: dict[str, dict[str, Attempt]] = {}
    for s in summaries:
        if s.live_at is not None and s.restores and s.replaces is not None:
            found.setdefault(s.replaces, {})[s.release_id] = (s.live_at, held(s))
    return found


def failure(s: Summary, tried: Mapping[str, Attempt], window: timedelta) -> tuple[bool, datetime | None]:
    """Whether deployment `s` failed, and when service was restored (None: not failed, or not restored yet).
    `tried`: the restorations that replaced it, by release id."""
    assert s.live_at is not None
    seen: list[str] = []  # the restorations that took over from it, in its own order
    rolled_back = fixed_forward = None
    ended_by_another = False
    for state, at, by in s.afterwards:
        if state == S.ROLLED_BACK:
            rolled_back = at
            break
        if by is None:  # logged before `superseded_by` was: the restorations that replaced it, if any, say
            break
        if by not in tried:  # another release took over: it ended well, or after a failed restoration was fixed
            ended_by_another = True
            fixed_forward = at if seen else None
            break
        seen.append(by)
        if tried[by][1]:
            break
    tries = [tried[by] for by in seen] if ended_by_another else list(tried.values())
    own = [rolled_back] if rolled_back is not None else []
    remedied = [at for at, _ in tries] + own
    if not remedied or min(remedied) - s.live_at > window:
        return False, None
    restored = [at for at, holds in tries if holds] + own + ([fixed_forward] if fixed_forward is not None else [])
    return True, max(min(restored), s.live_at) if restored else None
