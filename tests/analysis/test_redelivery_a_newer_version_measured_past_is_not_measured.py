"""A measurement's event redelivered to an older analysis replica (a rolling upgrade), whose release's next event in
the log is a newer Greenlight's (schema version 2, or a state this version does not know), is not measured again: the
release is left to the newer version, with one warning line, nothing published (the handler returns: acked).

Before, the log read skipped the event it could not read, found the redelivered event the release's newest, and the
older replica measured it again: a second, different event on the seq the newer version's event holds. A malformed
event is still skipped, as before: the redelivery is measured.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from structlog.testing import capture_logs

from services.analysis.handlers import Analyst
from services.analysis.probes import Target
from services.analysis.settings import AnalysisSettings
from services.analysis.verdicts import Measurement
from services.shared.analysis_spec import Check
from services.shared.bus import REDELIVERED, Bus
from services.shared.protocol import ReleaseState as S
from services.shared.release import utcnow
from services.shared.settings import BusSettings
from tests.analysis.running import analysing, http_check
from tests.approval.test_older_replica_watchers_leave_a_newer_release import Publishing
from tests.db.newer_events import NEWER_KINDS, as_newer, publish_bodies


class Measured(RuntimeError):
    pass


class Refusing:
    """A probe that says it was asked to measure."""

    async def measure(self, check: Check, target: Target) -> Measurement:
        raise Measured(check.name)


@pytest.fixture
async def bus(bus_settings: BusSettings) -> AsyncIterator[Bus]:
    bus = Bus(bus_settings, connection_name="gltest-newer-measured")
    await bus.connect()
    try:
        yield bus
    finally:
        await bus.close()




@pytest.mark.parametrize("newer", NEWER_KINDS)
async def test_a_redelivery_a_newer_version_measured_past_is_left_to_it(bus: Bus, bus_settings: BusSettings,
                                                                         newer: str) -> None:
    start = analysing("r1", "http://127.0.0.1:9/", http_check(interval=0.05, count=3))
    measured = start.next(S.ANALYSING, actor="analysis", details={  # the newer replica's first measurement
        "measurement": {"check": "health", "value": 0.01, "verdict": "successful"}, "phase": "pre",
        "started_at": start.occurred_at.isoformat(), "tally": {"health": [1, 0, 0]},
        "measured_at": {"health": utcnow().isoformat()}, "recent": [], "carry": start.details})
    await publish_bodies(bus, [(start, start.routing_key, start.dumps()),
                               (measured, measured.routing_key, as_newer(measured, newer, "canarying", "eight"))])
    analyst = Analyst({"http": Refusing()}, AnalysisSettings(bus=bus_settings))
    publishing = Publishing(bus)
    redelivered = REDELIVERED.set(True)
    try:
        with capture_logs() as logs:
            if newer == "malformed":  # as ever: skipped by the log read, the redelivery measured
                with pytest.raises(Measured):
                    await analyst.handle(start, publishing)  # type: ignore[arg-type]
                return
            await analyst.handle(start, publishing)  # type: ignore[arg-type]
    finally:
        REDELIVERED.reset(redelivered)
    assert publishing.published == []
    warnings = [line for line in logs if line["log_level"] == "warning"]
    assert [(line.get("release"), "newer" in line["event"]) for line in warnings] == [("r1", True)], logs
