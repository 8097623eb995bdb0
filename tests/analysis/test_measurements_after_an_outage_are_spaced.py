"""An analysis resumed long after it began (the analysis service, or the broker, away for several intervals) takes
its remaining measurements an `interval` apart, as Argo does (the next one is due an interval after the previous
one finished), not back to back: a check meant to watch the app over `count` * `interval` decided from samples a
few milliseconds apart observed nothing over time."""

from __future__ import annotations

import itertools
import uuid
from datetime import datetime, timedelta

from services.shared.protocol import ReleaseState as S
from services.shared.release import utcnow
from services.shared.runtime import BUS
from services.shared.settings import BusSettings
from tests.analysis.running import analysing, analysis, http_check
from tests.analysis.target import ScriptedTarget
from tests.fake_k8s.scenario import tap
from tests.harness import serving

INTERVAL = 0.4
AWAY = timedelta(seconds=30)  # every one of the four measurements was due before the hand-over was read


async def test_measurements_past_due_are_taken_an_interval_apart(bus_settings: BusSettings) -> None:
    rid = f"late-{uuid.uuid4().hex[:8]}"
    target = ScriptedTarget("good")
    async with serving(target.app, 0) as url, tap(bus_settings) as events, analysis(bus_settings) as app:
        start = analysing(rid, url + "/", http_check(interval=INTERVAL, count=4))
        published = utcnow()
        await app[BUS].publish(start.model_copy(update={"occurred_at": published - AWAY}))
        verdict = (await events.wait(rid, S.AWAITING_APPROVAL))[0]

    taken = [datetime.fromisoformat(m["at"]) for m in verdict.details["analysis"]["measurements"]]
    assert len(taken) == 4 and verdict.details["analysis"]["verdict"] == "successful"
    assert taken[0] - published < timedelta(seconds=INTERVAL)  # the first at once: it is long overdue
    gaps = [(later - earlier).total_seconds() for earlier, later in itertools.pairwise(taken)]
    assert all(gap >= INTERVAL for gap in gaps), gaps
