"""Where an analysis stands, from the tally its events carry: the next check due, and the verdict.

The whole state travels in each event's details (`started_at`, `tally`), so a restarted service, or another
replica, continues from the newest event without asking anyone: a timer that survives any restart.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from services.shared.analysis_spec import Check


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
        value = self.value if isinstance(self.value, (int, float, bool)) or self.value is None else str(self.value)
        if isinstance(value, str) and len(value) > 200:
            value = value[:200] + "…"
        return {"check": self.check, "provider": self.provider, "value": value, "verdict": self.verdict.value,
                "why": self.why[:300], "at": self.at.isoformat()}


Tally = dict[str, list[int]]  # check -> [successful, failed, inconclusive]


def counted(tally: Tally, measurement: Measurement) -> Tally:
    s, f, i = tally.get(measurement.check, [0, 0, 0])
    s, f, i = s + (measurement.verdict is Verdict.SUCCESSFUL), f + (measurement.verdict is Verdict.FAILED), \
        i + (measurement.verdict is Verdict.INCONCLUSIVE)
    return {**tally, measurement.check: [s, f, i]}


def taken(tally: Tally, check: Check) -> int:
    return sum(tally.get(check.name, [0, 0, 0]))


def next_due(checks: list[Check], tally: Tally, started: datetime) -> tuple[Check, datetime] | None:
    """The unfinished check measured soonest (Argo: the first at once, then every `interval`); None when done."""
    due = [(started + timedelta(seconds=c.interval * taken(tally, c)), n, c)
           for n, c in enumerate(checks) if taken(tally, c) < c.count]
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
