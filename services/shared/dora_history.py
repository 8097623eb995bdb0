"""What one release's history says for DORA's four keys (`dora.py`), folded small.

A store with a long history folds each release into a `Summary` as its events are read and keeps only that.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from services.shared.events import ReleaseEvent
from services.shared.protocol import ReleaseState as S

# Serving users: `live`, or `verifying` (post-promotion checks measure it on live traffic).
IN_PRODUCTION = (S.VERIFYING, S.LIVE)
# The states the four keys read; a store may read only these (of `verifying`, the first: the switcher's).
STATES = (S.REQUESTED, S.BUILT, *IN_PRODUCTION, S.SUPERSEDED, S.ROLLED_BACK)
ENDS = (S.SUPERSEDED, S.ROLLED_BACK)  # what ends a time serving users


class _ReleaseFacts(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)
    commit: str
    restores: str | None = None
    previous_release: str | None = None


class EventFacts(BaseModel):
    """The part of a logged event `summarise` reads. A store reading thousands of events parses them into this,
    not a whole `ReleaseEvent`: the snapshot's validation (its app spec, every field's rule) is most of the cost,
    and the log's events were validated when they were folded."""

    model_config = ConfigDict(extra="ignore", frozen=True)
    release_id: str
    app: str
    seq: int
    state: S
    occurred_at: datetime
    details: dict[str, Any] = {}
    release: _ReleaseFacts


@dataclass(frozen=True)
class Summary:
    app: str
    release_id: str
    commit: str | None  # None: a release of a given image (`image:`), built from no commit Greenlight knows
    live_at: datetime | None  # when it first served users: its first `verifying` or `live`
    restores: bool  # a rollback to an earlier release: a restoration, never a deployment
    replaces: str | None  # what such a rollback took off live traffic (the release live when it was staged)
    # Its `superseded` (with the release that took over: None in events logged without it) and `rolled_back` events
    # after going live, in their order (seq: hosts' clocks may disagree), through the first `rolled_back`. Made live
    # again between them when what superseded it was rolled back (a put-back).
    afterwards: tuple[tuple[S, datetime, str | None], ...]
    commit_time: datetime | None  # when its commit was committed, as its own build recorded it
    # The commits its own build recorded as shipped (since the commit live when it was requested), each with its
    # committer date, its own commit first; None for a build that recorded no range (logged before, or none).
    shipped: tuple[tuple[str, datetime | None], ...] | None = None


def summarise(events: Sequence[ReleaseEvent] | Sequence[EventFacts]) -> Summary | None:
    """`events`: one release's events in any order, duplicates allowed; only `STATES` are read."""
    ordered = sorted({e.seq: e for e in events}.values(), key=lambda e: e.seq)
    if not ordered:
        return None
    latest = ordered[-1].release
    requested = next((e for e in ordered if e.state == S.REQUESTED), None)
    # `image` alone names an image built elsewhere; `from_release` (a promotion, a rollback to a release)
    # redeploys the image Greenlight built from the commit.
    given_image = requested is not None and "image" in requested.details and "from_release" not in requested.details
    live = next((e for e in ordered if e.state in IN_PRODUCTION), None)
    restores = live is not None and live.release.restores is not None
    afterwards: list[tuple[S, datetime, str | None]] = []
    for e in (e for e in ordered if live is not None and e.seq > live.seq and e.state in ENDS):
        by = e.details.get("superseded_by") if e.state == S.SUPERSEDED else None
        afterwards.append((e.state, _utc(e.occurred_at), None if by is None else str(by)))
        if e.state == S.ROLLED_BACK:
            break
    return Summary(
        app=ordered[0].app, release_id=ordered[0].release_id, commit=None if given_image else latest.commit,
        live_at=_utc(live.occurred_at) if live else None, restores=restores,
        replaces=live.release.previous_release if live is not None and restores else None,
        afterwards=tuple(afterwards),
        commit_time=None if given_image else _commit_time(ordered, latest.commit),
        shipped=None if given_image else _shipped(ordered))


def recorded(summaries: Sequence[Summary]) -> tuple[dict[str, datetime], dict[tuple[str, str], tuple[str, ...]]]:
    """Each commit's time, whichever build recorded it; each built commit's range, as a build of it in that app
    recorded it, for a release that built nothing (a promotion runs its source's build: the read looks that one
    up). By app: another app's range of the commit runs from that app's live commit."""
    committed: dict[str, datetime] = {}
    ranges: dict[tuple[str, str], tuple[str, ...]] = {}
    for s in summaries:
        if s.commit is not None and s.commit_time is not None:
            committed.setdefault(s.commit, s.commit_time)
        if s.commit is not None and s.shipped is not None:
            ranges.setdefault((s.app, s.commit), tuple(sha for sha, _ in s.shipped))
            for sha, at in s.shipped:
                if at is not None:
                    committed.setdefault(sha, at)
    return committed, ranges


def changes_of(s: Summary, ranges: Mapping[tuple[str, str], tuple[str, ...]]) -> tuple[str, ...]:
    """The commits a release made live: its own build's range, else its app's first build's of its commit, else
    its commit."""
    if s.commit is None:
        return ()
    if s.shipped is not None:
        return tuple(sha for sha, _ in s.shipped)
    return ranges.get((s.app, s.commit), (s.commit,))


def _commit_time(events: Sequence[ReleaseEvent | EventFacts], commit: str) -> datetime | None:
    for event in events:
        for entry in event.details.get("commits") or ():
            if isinstance(entry, dict) and entry.get("sha") == commit:
                # `committed` since the builder records it; an event logged before has the author's `time` only.
                return _time(entry.get("committed", entry.get("time")))
    return None


def _shipped(events: Sequence[ReleaseEvent | EventFacts]) -> tuple[tuple[str, datetime | None], ...] | None:
    built = next((e for e in events if e.state == S.BUILT), None)
    shipped = built.details.get("shipped") if built is not None else None
    if not isinstance(shipped, dict) or not isinstance(shipped.get("commits"), list):
        return None
    return tuple((str(entry[0]), _time(entry[1])) for entry in shipped["commits"]
                 if isinstance(entry, list | tuple) and len(entry) == 2)


def _utc(at: datetime) -> datetime:
    # An event's time with no offset (an event model takes one) is UTC, as the read model stores it: compared with
    # the aware window as it was, it raised TypeError and failed every read of the window, `/metrics` too.
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def _time(value: object) -> datetime | None:
    try:
        at = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return at if at.tzinfo is not None else None  # a time with no offset is no instant to compare
