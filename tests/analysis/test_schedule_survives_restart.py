"""The analysis schedule lives in the log: a service that finds an analysis under way (the one measuring it was cut
or restarted, its message handed over unacked) takes the next measurement when the log says it is due, an interval
after the previous measurement, not an interval after the message reached it, nor at once."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from services.analysis.handlers import CARRY, TAKEN_AT
from services.shared.protocol import ReleaseState as S
from services.shared.release import utcnow
from services.shared.runtime import BUS
from services.shared.settings import BusSettings
from tests.analysis.running import analysing, analysis, http_check
from tests.analysis.target import ScriptedTarget
from tests.fake_k8s.scenario import tap
from tests.harness import serving

INTERVAL = 1.5
# The first measurement was taken this long before the new service reads the analysis: the second is then due
# INTERVAL - BEHIND after that, well before a schedule restarted with the message (INTERVAL after it).
BEHIND = 1.0


async def test_a_restart_keeps_the_schedule(bus_settings: BusSettings) -> None:
    rid = f"resume-{uuid.uuid4().hex[:8]}"
    target = ScriptedTarget("good")
    async with serving(target.app, 0) as url, tap(bus_settings) as events, analysis(bus_settings) as app:
        start = analysing(rid, url + "/", http_check(interval=INTERVAL, count=2))
        published = utcnow()
        first = (published - timedelta(seconds=BEHIND)).isoformat()
        # What the service cut before the second measurement published after the first, at seq 8.
        under_way = start.next(S.ANALYSING, actor="analysis", details={
            "started_at": first, "tally": {"health": [1, 0, 0]}, TAKEN_AT: {"health": first},
            "recent": [{"check": "health", "verdict": "successful", "at": first}], CARRY: start.details})
        await app[BUS].publish(under_way)
        waiting = (await events.wait(rid, S.AWAITING_APPROVAL))[0]

    assert target.served == ["good"] and waiting.details["analysis"]["tally"] == {"health": [2, 0, 0]}
    second = datetime.fromisoformat(waiting.details["analysis"]["measurements"][-1]["at"])
    assert second - datetime.fromisoformat(first) >= timedelta(seconds=INTERVAL)  # not at once
    # Due INTERVAL - BEHIND after the publish; a schedule restarted with the message takes it INTERVAL after it:
    # the bound splits the difference.
    assert second < published + timedelta(seconds=INTERVAL - BEHIND / 2), second - published
