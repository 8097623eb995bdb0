"""DORA's four keys from release histories: a pure function, so any store (the log, a database) can feed it.

Definitions (after DORA, https://dora.dev/guides/dora-metrics-four-keys/ and the State of DevOps reports):
- deployment: a release whose first `live` event falls in [since, until). A superseded release made live
  again by a rollback is a restoration, not a deployment, and so is a rollback to an earlier release (`restores`:
  that release's image again, nothing new).
- deployment frequency: deployments per day of the window.
- lead time for changes: commit time -> that first `live`, median over deployments whose commit time is
  known (the release commit's `time` in the `commits` the builder records on `built`, read from git) and not
  after that `live` (a date the commit's author set ahead: no change has a negative lead time).
- change failure rate: failed changes / deployments. A failed change is a deployment that was rolled back
  within `failure_window` of going live: `rolled_back`, or replaced by a rollback to an earlier release (the
  release that was live when that one was staged, its `previous_release`). DORA counts a deployment that needed
  remediation such as a rollback. A release that failed before going live never reached users and is not a change.
- time to restore (DORA's "failed deployment recovery time"): for each failed change, its first `live`
  -> its `rolled_back` (the previous release serving again) or the first `live` of the rollback that replaced
  it, median.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from services.shared.events import ReleaseEvent
from services.shared.protocol import ReleaseState as S

DEFAULT_FAILURE_WINDOW = timedelta(days=7)


@dataclass(frozen=True)
class Deployment:
    app: str
    release_id: str
    live_at: datetime
    committed_at: datetime | None
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
                  failure_window: timedelta = DEFAULT_FAILURE_WINDOW) -> DeliveryReport:
    """`histories`: the events of each release (any order, duplicates allowed), one sequence per release."""
    ordered = [sorted({e.seq: e for e in events}.values(), key=lambda e: e.seq) for events in histories]
    restored = restorations(ordered)
    deployments = [d for events in ordered if (d := deployment(events, failure_window, restored)) is not None
                   and since <= d.live_at < until]
    days = max((until - since).total_seconds() / 86400, 1e-9)
    by_app: dict[str, list[Deployment]] = {}
    for d in deployments:
        by_app.setdefault(d.app, []).append(d)
    return DeliveryReport(since, until, keys(deployments, days),
                          {app: keys(ds, days) for app, ds in sorted(by_app.items())})


def restorations(ordered: Iterable[Sequence[ReleaseEvent]]) -> dict[str, datetime]:
    """Release id -> when a rollback to an earlier release replaced it (that rollback's first `live`)."""
    restored: dict[str, datetime] = {}
    for events in ordered:
        live = next((e for e in events if e.state == S.LIVE), None)
        if live is not None and live.release.restores is not None and live.release.previous_release is not None:
            replaced = live.release.previous_release
            restored[replaced] = min(live.occurred_at, restored.get(replaced, live.occurred_at))
    return restored


def deployment(ordered: Sequence[ReleaseEvent], failure_window: timedelta,
               restored: Mapping[str, datetime]) -> Deployment | None:
    """`ordered`: one release's events by seq, once each; `restored`: `restorations` of every release."""
    live = next((e for e in ordered if e.state == S.LIVE), None)
    if live is None or live.release.restores is not None:  # a rollback to an earlier release restores
        return None
    committed = _commit_time(ordered, live.release.commit)
    if committed is not None and committed > live.occurred_at:  # the author's date, set at will: not credible
        committed = None
    # Taken off live traffic by its rollback (`rolled_back`) or by a rollback to an earlier release: the first.
    ends = [e.occurred_at for e in ordered if e.state == S.ROLLED_BACK and e.seq > live.seq]
    ends += [at for at in (restored.get(live.release_id),) if at is not None and at >= live.occurred_at]
    rolled = min(ends, default=None)
    if rolled is not None and rolled - live.occurred_at > failure_window:
        rolled = None
    return Deployment(live.app, live.release_id, live.occurred_at, committed, rolled)


def keys(deployments: Sequence[Deployment], days: float) -> Keys:
    leads = [(d.live_at - d.committed_at).total_seconds() for d in deployments if d.committed_at is not None]
    restores = [(d.rolled_back_at - d.live_at).total_seconds() for d in deployments if d.rolled_back_at]
    return Keys(
        deployments=len(deployments), deployment_frequency_per_day=len(deployments) / days,
        lead_time_seconds=statistics.median(leads) if leads else None, lead_time_samples=len(leads),
        failed_changes=len(restores),
        change_failure_rate=len(restores) / len(deployments) if deployments else None,
        time_to_restore_seconds=statistics.median(restores) if restores else None,
    )


def _commit_time(events: Sequence[ReleaseEvent], commit: str) -> datetime | None:
    for event in events:
        for entry in event.details.get("commits") or ():
            if isinstance(entry, dict) and entry.get("sha") == commit:
                return _time(entry.get("time"))
    return None


def _time(value: object) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        return None
