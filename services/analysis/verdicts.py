"""Where an analysis stands, from the tally its events carry: the next check due, and the verdict.

The whole state travels in each event's details (`started_at`, `tally`, `measured_at`), so a restarted service, or
another replica, continues from the newest event without asking anyone: a timer that survives any restart.
"""

from __future__ import annotations

import math
import reprlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from services.shared.analysis_spec import Check

# A value matched in an app's body (hostile) may nest: `$..a` matches every level, each holding all below it, and a
# whole repr wrote the body out once per level (tens of MB from 200 KB, seconds on the loop measuring every app).
_SHOWN = reprlib.Repr()
_SHOWN.maxlevel, _SHOWN.maxlist, _SHOWN.maxtuple, _SHOWN.maxdict = 4, 20, 20, 20
_SHOWN.maxstring = _SHOWN.maxother = _SHOWN.maxlong = 200


def shown(value: Any) -> str:
    """`repr(value)`, cut short while it is made, not after."""
    return _SHOWN.repr(value)


class Verdict(StrEnum):
    SUCCESSFUL = "successful"
    FAILED = "failed"
    INCONCLUSIVE = "inconclusive"


@dataclass(frozen=True)
class Measurement:
    check: str
    provider: str
    value: Any
    verdict: Verdict
    why: str
    at: datetime

    def detail(self) -> dict[str, Any]:
        """What an event carries: small (a value cut to 200 characters), readable as it stands."""
        value = self.value
        if isinstance(value, float) and not math.isfinite(value):  # JSON has none: written as null, "no sample"
            value = "NaN" if math.isnan(value) else "+Inf" if value > 0 else "-Inf"  # as Prometheus writes them
        elif not (isinstance(value, (int, float, bool, str)) or value is None):
            value = shown(value)
        if isinstance(value, str) and len(value) > 200:
            value = value[:200] + "…"
        return {"check": self.check, "provider": self.provider, "value": value, "verdict": self.verdict.value,
                "why": self.why[:300], "at": self.at.isoformat()}


Tally = dict[str, list[int]]  # check -> [successful, failed, inconclusive]
Taken = dict[str, str]  # check -> when its latest measurement was taken (ISO 8601)


def counted(tally: Tally, measurement: Measurement) -> Tally:
    s, f, i = tally.get(measurement.check, [0, 0, 0])
    s, f, i = s + (measurement.verdict is Verdict.SUCCESSFUL), f + (measurement.verdict is Verdict.FAILED), \
        i + (measurement.verdict is Verdict.INCONCLUSIVE)
    return {**tally, measurement.check: [s, f, i]}


def taken(tally: Tally, check: Check) -> int:
    return sum(tally.get(check.name, [0, 0, 0]))


def next_due(checks: list[Check], tally: Tally, started: datetime, taken_at: Taken
             ) -> tuple[Check, datetime] | None:
    """The unfinished check measured soonest; None when done. Argo's schedule: the first at once, then every
    `interval` from the start, but never sooner than an `interval` after the check's previous measurement (as
    Argo: its FinishedAt + interval). Counted from the start alone, an analysis resumed after an outage of several
    intervals took every overdue measurement back to back, within milliseconds: no observation over time."""
    due = []
    for n, check in enumerate(checks):
        if (done := taken(tally, check)) >= check.count:
            continue
        at = started + timedelta(seconds=check.interval * done)
        if (previous := taken_at.get(check.name)) is not None:
            at = max(at, datetime.fromisoformat(previous) + timedelta(seconds=check.interval))
        due.append((at, n, check))
    if not due:
        return None
    at, _, check = min(due, key=lambda item: (item[0], item[1]))
    return check, at


def outcome(checks: list[Check], tally: Tally) -> tuple[Verdict, str] | None:
    """The analysis' verdict once one is reached, with the reason a person reads; None while it runs."""
    for check in checks:
        _, failed, _ = tally.get(check.name, [0, 0, 0])
        if failed > check.failure_limit:
            return Verdict.FAILED, f"check {check.name}: {failed} failed measurement(s), " \
                                   f"more than its failure_limit of {check.failure_limit}"
    for check in checks:
        _, _, inconclusive = tally.get(check.name, [0, 0, 0])
        if inconclusive > check.inconclusive_limit:
            return Verdict.INCONCLUSIVE, f"check {check.name}: {inconclusive} inconclusive measurement(s), " \
                                         f"more than its inconclusive_limit of {check.inconclusive_limit}"
    if all(taken(tally, c) >= c.count for c in checks):
        return Verdict.SUCCESSFUL, f"{len(checks)} check(s) passed"
    return None
