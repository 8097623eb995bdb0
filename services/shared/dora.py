"""DORA's four keys from release histories: a pure function, so any store (the log, a database) can feed it.

Definitions (after DORA, https://dora.dev/guides/dora-metrics-four-keys/ and the State of DevOps reports):
- deployment: a release whose first time serving users, its first `verifying` (post-promotion checks measure it
  on live traffic) or `live`, falls in [since, until). A superseded release made live again by a rollback is a
  restoration, not a deployment, and so is a rollback to an earlier release (`restores`: that release's image
  again, nothing new).
- deployment frequency: deployments per day of the window.
- lead time for changes: a change (an app's commit) from being committed (the committer date the builder
  records on `built`; a rebase or cherry-pick keeps an older author date) to its FIRST time live, median. A
  deployment's changes are every commit it ships: reachable from its commit and not from the one live when it
  was requested (`built`'s `shipped`, at most the builder's `shipped_commits`, the newest; its own commit alone
  when that range could not be told, and for a build logged before the builder recorded ranges). The same
  commit live again (rebuilt, re-released, promoted, shipped again after a rollback) is a deployment but not
  another change. A release promoted from an earlier one (`from_release`) runs that release's build of the
  commit, whose record gives the times and the range; a release of a given image (`image:`) has no commit of
  its own (its `commit` only gave greenlight.yaml): no lead time, and it does not make that commit live. A
  commit time after that `live` (set ahead at will) is unknown: no change has a negative lead time.
- change failure rate: failed changes / deployments. A failed change is a deployment that was rolled back
  within `failure_window` of going live, before it was superseded: `rolled_back` (asked for, or by its post
  checks), or replaced by a rollback to an earlier release (the release that was live when that one was staged,
  its `previous_release`). DORA counts a deployment that needed remediation such as a rollback. A release that
  failed before serving users is not a change; one superseded, made live again by a rollback and then rolled
  back is the restoration's failure, not its deployment's.
- time to restore (DORA's "failed deployment recovery time"): for each failed change, its first time serving
  -> its `rolled_back` (the previous release serving again) or the first `live` of the rollback that replaced
  it, median.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from services.shared.dora_history import Summary, changes_of, recorded, summarise
from services.shared.events import ReleaseEvent

DEFAULT_FAILURE_WINDOW = timedelta(days=7)
Change = tuple[str, str]  # (app, commit)


@dataclass(frozen=True)
class Deployment:
    app: str
    release_id: str
    live_at: datetime
    lead_seconds: tuple[float, ...]  # one per change it made live for the first time, its commit time known
    rolled_back_at: datetime | None  # only within the failure window


@dataclass(frozen=True)
class Keys:
    deployments: int
    deployment_frequency_per_day: float
    lead_time_seconds: float | None  # median
    lead_time_samples: int
    failed_changes: int
    change_failure_rate: float | None  # None without deployments
    time_to_restore_seconds: float | None  # median


@dataclass(frozen=True)
class DeliveryReport:
    since: datetime
    until: datetime
    overall: Keys
    apps: dict[str, Keys] = field(default_factory=dict)


def delivery_keys(histories: Iterable[Sequence[ReleaseEvent]], since: datetime, until: datetime,
                  failure_window: timedelta = DEFAULT_FAILURE_WINDOW,
                  live_before: Mapping[Change, datetime] | None = None) -> DeliveryReport:
    """`histories`: the events of each release (any order, duplicates allowed), one sequence per release; of
    releases outside the window too, for what they say about its changes (a commit's first `live`, its time).
    `live_before`: each change's first `live` known from elsewhere (a store's look further back)."""
    return report([s for events in histories if (s := summarise(events)) is not None], since, until,
                  failure_window, live_before or {})


def report(summaries: Sequence[Summary], since: datetime, until: datetime, failure_window: timedelta,
           live_before: Mapping[Change, datetime]) -> DeliveryReport:
    restored: dict[str, tuple[datetime, str]] = {}  # release id -> when a rollback to a release replaced it, which
    committed, ranges = recorded(summaries)
    first_live = dict(live_before)
    for s in summaries:
        if s.live_at is not None and s.restores and s.replaces is not None:
            restored[s.replaces] = min((s.live_at, s.release_id), restored.get(s.replaces, (s.live_at, s.release_id)))
        if (live_at := s.live_at) is not None:
            for commit in changes_of(s, ranges):
                first_live[(s.app, commit)] = min(live_at, first_live.get((s.app, commit), live_at))
    deployments, measured = [], set()
    for s in sorted(summaries, key=lambda s: (s.live_at or until, s.release_id)):  # a tie: one of them, always
        if s.live_at is None or s.restores or not since <= s.live_at < until:
            continue
        leads = []
        for commit in changes_of(s, ranges):
            if (s.app, commit) not in measured and first_live[(s.app, commit)] == s.live_at:
                measured.add((s.app, commit))
                at = committed.get(commit)
                if at is not None and at <= s.live_at:
                    leads.append((s.live_at - at).total_seconds())
        deployments.append(Deployment(s.app, s.release_id, s.live_at, tuple(leads),
                                      _ended(s, restored.get(s.release_id), failure_window)))
    days = max((until - since).total_seconds() / 86400, 1e-9)
    by_app: dict[str, list[Deployment]] = {}
    for d in deployments:
        by_app.setdefault(d.app, []).append(d)
    return DeliveryReport(since, until, keys(deployments, days),
                          {app: keys(ds, days) for app, ds in sorted(by_app.items())})


def _ended(s: Summary, replaced: tuple[datetime, str] | None, failure_window: timedelta) -> datetime | None:
    # Taken off live traffic by its rollback (`rolled_back`) or by a rollback to an earlier release: the first.
    # Not once superseded by another release: a rollback of the release a rollback made live again is the
    # restoration's failure, not this deployment's.
    assert s.live_at is not None
    replaced_at = None
    if replaced is not None and (not s.superseded or s.superseded_by in (None, replaced[1])):
        replaced_at = replaced[0]
    ends = [at for at in (s.rolled_back_at, replaced_at) if at is not None and at >= s.live_at]
    rolled = min(ends, default=None)
    return rolled if rolled is not None and rolled - s.live_at <= failure_window else None


def keys(deployments: Sequence[Deployment], days: float) -> Keys:
    leads = [lead for d in deployments for lead in d.lead_seconds]
    restores = [(d.rolled_back_at - d.live_at).total_seconds() for d in deployments if d.rolled_back_at]
    return Keys(
        deployments=len(deployments), deployment_frequency_per_day=len(deployments) / days,
        lead_time_seconds=statistics.median(leads) if leads else None, lead_time_samples=len(leads),
        failed_changes=len(restores),
        change_failure_rate=len(restores) / len(deployments) if deployments else None,
        time_to_restore_seconds=statistics.median(restores) if restores else None,
    )
