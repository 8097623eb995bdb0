"""Pre-promotion checks that pass: every measurement is an event, then the release awaits approval."""

from __future__ import annotations

from datetime import datetime, timedelta

from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS
from services.shared.settings import BusSettings
from tests.analysis.running import analysing, analysis, http_check
from tests.analysis.target import ScriptedTarget
from tests.fake_k8s.scenario import tap
from tests.harness import serving

# Long enough to tell a first measurement taken at once from one taken an interval late, even on a loaded machine
# (at 0.05 s a schedule that never waited passed too).
INTERVAL = 0.5


async def test_three_good_measurements_then_awaiting_approval(bus_settings: BusSettings) -> None:
    target = ScriptedTarget("good")
    async with serving(target.app, 0) as url, tap(bus_settings) as events, analysis(bus_settings) as app:
        await app[BUS].publish(analysing("r1", url + "/", http_check(interval=INTERVAL)))
        approval = (await events.wait("r1", S.AWAITING_APPROVAL))[0]

    measured = [e for e in events.events if e.state is S.ANALYSING and e.actor == "analysis"]
    assert [e.seq for e in measured] == [8, 9]  # the third measurement comes with the verdict
    assert [e.details["measurement"]["value"] for e in measured] == [0.01, 0.01]
    assert {e.details["measurement"]["verdict"] for e in measured} == {"successful"}
    assert approval.seq == 10 and approval.actor == "analysis"
    assert approval.details["analysis"]["verdict"] == "successful"
    assert approval.details["analysis"]["tally"] == {"health": [3, 0, 0]}
    assert len(approval.details["analysis"]["measurements"]) == 3
    # What the deployer found is passed on, so approval and switch see the staged colours as before.
    assert approval.details["standby_colour"] == "green" and approval.release.preview == url + "/"
    assert target.served == ["good"] * 3
    # Argo's schedule: the first at once, then `interval` apart, counted from the analysis' first event.
    started = datetime.fromisoformat(measured[0].details["started_at"])
    offsets = [datetime.fromisoformat(m["at"]) - started for m in approval.details["analysis"]["measurements"]]
    assert offsets[0] < timedelta(seconds=INTERVAL), offsets  # not an interval late
    assert all(at >= timedelta(seconds=n * INTERVAL) for n, at in enumerate(offsets)), offsets
