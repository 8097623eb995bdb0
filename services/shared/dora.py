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
- change failure rate: failed changes / deployments. A failed change is a deployment that needed remediation
  (DORA's definition) within `failure_window` of going live, before it was superseded: rolled back (`rolled_back`,
  asked for or by its post checks), or replaced by a rollback to an earlier release (the release that was live when
  that one was staged, its `previous_release`), whether or not that rollback then held. A release that failed before
  serving users is not a change; one superseded, made live again by a rollback and then rolled back is the
  restoration's failure, not its deployment's (dora_restores.py).
- time to restore (DORA's "failed deployment recovery time"): for each failed change restored, its first time
  serving -> the first remediation that held: its `rolled_back` (the previous release serving again), the first
  time serving of a rollback to an earlier release that was not rolled back itself, or a release that took over
  after such a rollback failed; median. A rollback whose own checks failed put the failed release back: it restored
  nothing. A time stamped before the `live` it follows (hosts' clocks apart) counts as 0.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from services.shared.dora_history import Summary, changes_of, recorded, summarise
from services.shared.dora_restores import failure, restorations
from services.shared.events import ReleaseEvent

DEFAULT_FAILURE_WINDOW = timedelta(days=7)
Change = tuple[str, str]  # (app, commit)


@dataclass(frozen=True)
class Deployment:
    app: str
    release_id: str
    live_at: datetime
    lead_seconds: tuple[float, ...]  # one per change it made live for the first time, its commit time known
    failed: bool  # needed remediation within the failure window
    restored_at: datetime | None  # when the remediation that held served users; None: none yet, or not failed


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
    tried = restorations(summaries)  # release id -> the rollbacks to an earlier release that replaced it
    committed, ranges = recorded(summaries)
    first_live = dict(live_before)
    for s in summaries:
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
                                      *failure(s, tried.get(s.release_id, {}), failure_window)))
    days = max((until - since).total_seconds() / 86400, 1e-9)
    by_app: dict[str, list[Deployment]] = {}
    for d in deployments:
        by_app.setdefault(d.app, []).append(d)
    return DeliveryReport(since, until, keys(deployments, days),
                          {app: keys(ds, days) for app, ds in sorted(by_app.items())})


def keys(deployments: Sequence[Deployment], days: float) -> Keys:
    leads = [lead for d in deployments for lead in d.lead_seconds]
    failed = sum(d.failed for d in deployments)
    restores = [(d.restored_at - d.live_at).total_seconds() for d in deployments if d.restored_at is not None]
    return Keys(
        deployments=len(deployments), deployment_frequency_per_day=len(deployments) / days,
        lead_time_seconds=statistics.median(leads) if leads else None, lead_time_samples=len(leads),
        failed_changes=failed, change_failure_rate=failed / len(deployments) if deployments else None,
        time_to_restore_seconds=statistics.median(restores) if restores else None,
    )
