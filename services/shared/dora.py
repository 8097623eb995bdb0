"""DORA's four keys from release histories: a pure function, so any store (the log, a database) can feed it.

Definitions (after DORA, https://dora.dev/guides/dora-metrics-four-keys/ and the State of DevOps reports):
- deployment: a release whose first time serving users, its first `verifying` (post-promotion checks measure it
  on live traffic) or `live`, falls in [since, until). A superseded release made live again by a rollback is a
  restoration, not a deployment, and so is a rollback to an earlier release (`restores`: that release's image
  again, nothing new).
- deployment frequency: deployments per day of the window.
- lead time for changes: a change (an app's commit) from being committed (the committer date the builder
  records on `built`; a rebase or cherry-pick keeps an older author date) to its FIRST time live, median. The
  same commit live again (rebuilt, re-released, promoted) is a deployment but not another change. A release
  promoted from an earlier one (`from_release`) runs that release's build of the commit, whose record gives the
  time; a release of a given image (`image:`) has no commit of its own (its `commit` only gave greenlight.yaml):
  no lead time, and it does not make that commit live. A commit time after that `live` (set ahead at will) is
  unknown: no change has a negative lead time.
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

from services.shared.dora_history import Summary, summarise
from services.shared.events import ReleaseEvent

DEFAULT_FAILURE_WINDOW = timedelta(days=7)
Change = tuple[str, str]  # (app, commit)


@dataclass(frozen=True)
class Deployment:
    app: str
    release_id: str
    live_at: datetime
    lead_seconds: float | None  # only for a change's first time live, its commit time known
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
    committed: dict[str, datetime] = {}  # commit -> its time, whichever build of it recorded it
    first_live = dict(live_before)
    for s in summaries:
        if s.live_at is not None and s.restores and s.replaces is not None:
            restored[s.replaces] = min((s.live_at, s.release_id), restored.get(s.replaces, (s.live_at, s.release_id)))
        if s.commit is not None and s.commit_time is not None:
            committed.setdefault(s.commit, s.commit_time)
        if s.live_at is not None and s.commit is not None:
            change = (s.app, s.commit)
            first_live[change] = min(s.live_at, first_live.get(change, s.live_at))
    deployments, measured = [], set()
    for s in sorted(summaries, key=lambda s: (s.live_at or until, s.release_id)):  # a tie: one of them, always
        if s.live_at is None or s.restores or not since <= s.live_at < until:
            continue
        lead = None
        if s.commit is not None and (s.app, s.commit) not in measured and first_live[(s.app, s.commit)] == s.live_at:
            measured.add((s.app, s.commit))
            at = committed.get(s.commit)
            lead = (s.live_at - at).total_seconds() if at is not None and at <= s.live_at else None
        deployments.append(Deployment(s.app, s.release_id, s.live_at, lead,
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
    leads = [d.lead_seconds for d in deployments if d.lead_seconds is not None]
    restores = [(d.rolled_back_at - d.live_at).total_seconds() for d in deployments if d.rolled_back_at]
    return Keys(
        deployments=len(deployments), deployment_frequency_per_day=len(deployments) / days,
        lead_time_seconds=statistics.median(leads) if leads else None, lead_time_samples=len(leads),
        failed_changes=len(restores),
        change_failure_rate=len(restores) / len(deployments) if deployments else None,
        time_to_restore_seconds=statistics.median(restores) if restores else None,
    )
