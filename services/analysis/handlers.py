"""Run a release's checks one measurement per event, and turn the verdict into the next state.

analysing  (pre, preview up)  -> analysing (one measurement) ... -> awaiting_approval | failed
verifying  (post, live on it) -> verifying (one measurement) ... -> live | rolling_back

Each measurement is its own event (state unchanged, details = the measurement and the running tally), so the API,
SSE, `greenlight watch` and the dashboard show every one as it is taken. The handler waits for the check's due
time, which it computes from the first event of the analysis and the time of the check's previous measurement (an
interval after it at the soonest, so an analysis resumed after an outage is not measured in a burst): the schedule
lives in the log, not in this process.
A failed post-promotion check publishes `rolling_back` at once, with the measurements as the reason; the switcher
flips back to the previous colour (still warm) and records `rolled_back`.
An inconclusive pre-promotion analysis still asks for approval, saying why; a person decides. An inconclusive
post-promotion one keeps the release live, saying why; a person may roll it back.

Idempotent (repeats.py): an event this process has already measured past, or is measuring past now, is dropped,
a copy of the event being measured waits for that measurement to end (and is dropped if it published), and a
redelivery whose next event the log holds is dropped, so a repeated hand-over, a copy of the event being waited
on, a redelivery after a lost confirm or after a kill starts no second chain. A copy measured all the same (two
replicas each handed one at once) publishes a second event with the seq: the read model keeps the first and marks
the other a conflict, and the switcher rolls back only on a `rolling_back` the read model kept
(services/switcher/rollback.py).
Ack policy: the shared AFTER_EFFECT (ack once the next event is confirmed).
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

import structlog

from services.analysis.probes import Probe, Target
from services.analysis.repeats import Repeats
from services.analysis.settings import AnalysisSettings
from services.analysis.verdicts import Measurement, Taken, Tally, Verdict, counted, next_due, outcome
from services.shared.analysis_spec import Check
from services.shared.bus import Bus
from services.shared.events import CARRY, ReleaseEvent
from services.shared.protocol import WORK_QUEUES, ReleaseState
from services.shared.release import ReleaseError, utcnow

log = structlog.get_logger(__name__)
SERVICE = "analysis"
STATES = WORK_QUEUES[SERVICE]
S = ReleaseState
TAKEN_AT = "measured_at"  # check -> when its latest measurement was taken: the next one is an interval later


class Analyst:
    def __init__(self, probes: dict[str, Probe], settings: AnalysisSettings) -> None:
        self.probes = probes
        self.settings = settings
        self.repeats = Repeats()

    async def handle(self, event: ReleaseEvent, bus: Bus) -> None:
        waited = await self.repeats.after_the_same(event)
        if self.repeats.known(event):
            return
        with self.repeats.measuring_from(event):
            if await self.repeats.logged_past(event, bus, waited):
                return
            await self._step(event, bus)

    async def _step(self, event: ReleaseEvent, bus: Bus) -> None:
        pre = event.state is S.ANALYSING
        spec = event.release.spec
        checks = (spec.analysis.pre if pre else spec.analysis.post) if spec is not None else []
        carry: dict[str, Any] = event.details.get(CARRY, event.details)
        started = datetime.fromisoformat(event.details.get("started_at") or event.occurred_at.isoformat())
        tally: Tally = event.details.get("tally", {})
        taken_at: Taken = event.details.get(TAKEN_AT, {})  # none in an event of an older version: the start alone
        recent: list[dict[str, Any]] = event.details.get("recent", [])
        if (due := next_due(checks, tally, started, taken_at)) is None:  # nothing to measure (or a repeat of the last)
            verdict = self._verdict(event, pre, checks, tally, recent, carry)
            await bus.publish(verdict)
            self.repeats.published(verdict)
            return
        check, at = due
        # The due time comes from the log, so a restart resumes the same schedule. It is never more than one
        # interval away (an interval after the check's last measurement, which is past), but it counts from clocks
        # of other hosts: one ahead would hold the message past RabbitMQ's consumer_timeout, for good.
        # A release ending meanwhile (aborted) stops the wait at once (ReleaseEnded, acked by the consumer): it held
        # the message and a prefetch slot for up to an interval, to have its measurement refused at the publish.
        if (wait := min((at - utcnow()).total_seconds(), check.interval)) > 0:
            await bus.ended.unless_ended(event.release_id, asyncio.sleep(wait))
        measurement = await self.probes[check.provider].measure(check, self._target(event, pre, carry))
        log.info("measured", check=check.name, value=measurement.detail()["value"], verdict=measurement.verdict.value)
        tally = counted(tally, measurement)
        taken_at = {**taken_at, check.name: measurement.at.isoformat()}
        recent = [*recent, measurement.detail()][-self.settings.keep_measurements:]
        if outcome(checks, tally) is None:
            after = event.next(event.state, actor=SERVICE, details={
                "measurement": measurement.detail(), "phase": "pre" if pre else "post",
                "started_at": started.isoformat(), "tally": tally, TAKEN_AT: taken_at, "recent": recent,
                CARRY: carry})
        else:
            after = self._verdict(event, pre, checks, tally, recent, carry, measurement)
        await bus.publish(after)
        self.repeats.published(after)

    def _target(self, event: ReleaseEvent, pre: bool, carry: dict[str, Any]) -> Target:
        release = event.release
        colour = release.standby_colour.value if release.standby_colour else str(carry.get("colour", ""))
        url = (release.preview or "") if pre else self.settings.live(release.app)
        return Target(url=url, app=release.app, colour=colour, release=release.id)

    @staticmethod
    def _verdict(event: ReleaseEvent, pre: bool, checks: list[Check], tally: Tally, recent: list[dict[str, Any]],
                 carry: dict[str, Any], last: Measurement | None = None) -> ReleaseEvent:
        verdict, reason = outcome(checks, tally) or (Verdict.SUCCESSFUL, "no checks")
        analysis = {"verdict": verdict.value, "reason": reason, "tally": tally, "measurements": recent}
        if last is not None:
            analysis["measurement"] = last.detail()
        log.info("analysis verdict", phase="pre" if pre else "post", verdict=verdict.value, reason=reason)
        if pre and verdict is Verdict.FAILED:
            return event.next(S.FAILED, actor=SERVICE, details={**carry, "analysis": analysis},
                              error=ReleaseError(step="analysis", reason=f"pre-promotion analysis failed: {reason}"))
        if pre:
            return event.next(S.AWAITING_APPROVAL, actor=SERVICE, details={**carry, "analysis": analysis})
        if verdict is Verdict.FAILED:
            return event.next(S.ROLLING_BACK, actor=SERVICE, details={
                "reason": f"post-promotion analysis failed: {reason}", "analysis": analysis})
        return event.next(S.LIVE, actor=SERVICE, details={**carry, "analysis": analysis})
