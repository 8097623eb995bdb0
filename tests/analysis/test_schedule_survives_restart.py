"""The analysis schedule lives in the log: a service cut while it waits for a measurement's due time, and a new
one started, takes that measurement when it was due, counted from the analysis' first event, not from the restart."""

from __future__ import annotations

import time
from datetime import datetime, timedelta

from services.shared.protocol import ReleaseState as S
from services.shared.release import utcnow
from services.shared.runtime import BUS
from services.shared.settings import BusSettings
from tests.analysis.running import analysing, analysis, http_check
from tests.analysis.target import ScriptedTarget
from tests.fake_k8s.scenario import tap
from tests.harness import serving

INTERVAL = 1.5
# The analysis began this long before the test publishes it: its second measurement is then due INTERVAL - BEHIND
# after the publish, well before a schedule restarted with the service would take it (INTERVAL after the
# restart). Without it the restart came 40-80 ms after the first event, and a schedule counted from the restart
# passed too.
BEHIND = 1.0


async def test_a_restart_keeps_the_schedule(bus_settings: BusSettings) -> None:
    target = ScriptedTarget("good")
    async with serving(target.app, 0) as url, tap(bus_settings) as events:
        # A grace period shorter than the wait: the handler is cut, its message goes back to the queue unacked.
        async with analysis(bus_settings.model_copy(update={"grace_period": 0.05})) as first:
            start = analysing("r1", url + "/", http_check(interval=INTERVAL, count=2))  # its time starts the schedule
            start = start.model_copy(update={"occurred_at": utcnow() - timedelta(seconds=BEHIND)})
            await first[BUS].publish(start)
            await events.wait("r1", S.ANALYSING, count=2)  # the first measurement
        stopped = time.monotonic()
        assert len(target.served) == 1
        restarted = utcnow()
        async with analysis(bus_settings):
            waiting = (await events.wait("r1", S.AWAITING_APPROVAL))[0]
        assert target.served_at[1] > stopped  # taken by the second service

    measurements = waiting.details["analysis"]["measurements"]
    assert len(measurements) == 2 and target.served == ["good", "good"]
    started = start.occurred_at
    second = datetime.fromisoformat(measurements[1]["at"])
    # Due at the first event + one interval; a schedule restarted with the service would take it an interval after
    # the restart, at least BEHIND (1 s) later than that: the bound splits the difference.
    assert second - started >= timedelta(seconds=INTERVAL)
    assert second < restarted + timedelta(seconds=INTERVAL - BEHIND / 2), (second - restarted)
