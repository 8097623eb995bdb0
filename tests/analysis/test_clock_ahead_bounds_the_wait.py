"""The schedule counts from the hand-over's `occurred_at`, the clock of the host that published it. A publisher
whose clock runs ahead (or a replica's, for a later measurement) must not hold the message for that difference:
the wait for a measurement is at most the check's interval, never (here) an hour, past RabbitMQ's
consumer_timeout, which would close the channel and hand the message over to the same wait again, for good."""

from __future__ import annotations

import uuid
from datetime import timedelta

from services.shared.protocol import ReleaseState as S
from services.shared.release import utcnow
from services.shared.runtime import BUS
from services.shared.settings import BusSettings
from tests.analysis.running import analysing, analysis, http_check
from tests.analysis.target import ScriptedTarget
from tests.fake_k8s.scenario import tap
from tests.harness import serving


async def test_a_hand_over_from_a_clock_an_hour_ahead_is_measured_within_the_interval(
        bus_settings: BusSettings) -> None:
    rid = f"skew-{uuid.uuid4().hex[:8]}"
    target = ScriptedTarget("good")
    async with serving(target.app, 0) as url, tap(bus_settings, patience=10) as events, \
            analysis(bus_settings) as app:
        start = analysing(rid, url + "/", http_check(interval=0.2, count=2))
        await app[BUS].publish(start.model_copy(update={"occurred_at": utcnow() + timedelta(hours=1)}))
        verdict = (await events.wait(rid, S.AWAITING_APPROVAL))[0]
    assert verdict.details["analysis"]["verdict"] == "successful"
    assert target.served == ["good", "good"]
