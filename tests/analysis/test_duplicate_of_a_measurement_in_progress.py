"""A second copy of the measurement event this process is waiting on (its publish retried after a broker restart
lost the confirm, or the event before it redelivered after a kill between publish and ack) starts no second
chain: one measurement per due time, one verdict."""

from __future__ import annotations

import uuid

from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS
from services.shared.settings import BusSettings
from tests.analysis.running import analysing, analysis, http_check
from tests.analysis.target import ScriptedTarget
from tests.fake_k8s.scenario import tap
from tests.harness import serving

INTERVAL = 1.0  # the handler of the first measurement's event waits this long for the second


async def test_a_copy_of_the_event_being_waited_on_starts_no_second_chain(bus_settings: BusSettings) -> None:
    rid = f"dup-{uuid.uuid4().hex[:8]}"
    target = ScriptedTarget("good")
    async with serving(target.app, 0) as url, tap(bus_settings) as events, analysis(bus_settings) as app:
        await app[BUS].publish(analysing(rid, url + "/", http_check(interval=INTERVAL, count=3)))
        measured = (await events.wait(rid, S.ANALYSING, count=2))[1]  # seq 8: its handler now waits
        await app[BUS].publish(measured)  # the same message again, while the first copy is in progress
        verdicts = await events.wait(rid, S.AWAITING_APPROVAL)
    # A second chain measures at the same due times: by the first verdict (two intervals in) it has measured the
    # second time (one interval in) already.
    assert target.served == ["good"] * 3
    assert len(verdicts) == 1
    assert [seq for state, seq in events.of(rid) if state is S.ANALYSING] == [7, 8, 8, 9]
